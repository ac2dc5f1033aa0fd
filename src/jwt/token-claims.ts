import { TokenUse } from '../store/tracked-session.js';

/** Claims this library sets itself; `data` may not use these names. */
export const RESERVED_CLAIMS: readonly string[] = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sid', 'token_use', 'data'];

/** `token_use` of a refresh token; access tokens carry no `token_use` (as Blueprint's). */
export const REFRESH_TOKEN_USE = 'refresh';

/** What a token proves once its signature, claims and revocation state are checked. */
export interface VerifiedToken {
  readonly jti: string;
  /** The `sub` claim. */
  readonly userId: string;
  /** The `sid` claim; a token issued alone is its own session (its jti). */
  readonly sessionId: string;
  readonly tokenUse: TokenUse;
  /** From `iat`, to the millisecond. */
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** The application data given to `generateToken` (the `data` claim). */
  readonly data: Readonly<Record<string, unknown>>;
  /** Every claim of the token, as signed. */
  readonly claims: Readonly<Record<string, unknown>>;
}
