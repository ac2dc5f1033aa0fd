import { TokenUse } from '../store/tracked-session.js';

/** Claims this library sets itself; `data` may not use these names. */
export const RESERVED_CLAIMS: readonly string[] = [
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sid', 'token_use', 'auth_time', 'data',
];

/** `token_use` of a refresh token; access tokens carry no `token_use` (as Blueprint's). */
export const REFRESH_TOKEN_USE = 'refresh';
/** Accepted as meaning what no `token_use` means, for tokens of other issuers that say it. */
export const ACCESS_TOKEN_USE = 'access';

/**
 * The application data tokens carry (the `data` claim). Augment it to type
 * `session.data` everywhere:
 *
 * ```ts
 * declare module 'nestjs-token-tracking' {
 *   interface TokenData { role: 'admin' | 'user' }
 * }
 * ```
 *
 * or name the type where it is used: `VerifiedToken<{ role: string }>`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TokenData {}

/** What a token proves once its signature, claims and revocation state are checked. */
export interface VerifiedToken<TData extends object = TokenData> {
  readonly jti: string;
  /** The `sub` claim. */
  readonly userId: string;
  /** The `sid` claim; a token issued alone is its own session (its jti). */
  readonly sessionId: string;
  readonly tokenUse: TokenUse;
  /** From `iat`, to the millisecond. */
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** When the session began (`auth_time`); null for tokens issued before tokens carried it. */
  readonly sessionStartedAt: Date | null;
  /** The `kid` of the key that signed it, when the header names one. */
  readonly keyId: string | null;
  /** The application data given when the token was issued (the `data` claim). */
  readonly data: Readonly<TData & Record<string, unknown>>;
  /** Every claim of the token, as signed. */
  readonly claims: Readonly<Record<string, unknown>>;
}
