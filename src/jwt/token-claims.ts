/** Registered claims this library sets itself; `data` may not use these names. */
export const RESERVED_CLAIMS: readonly string[] = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'data'];

/** What a token proves once its signature, claims and revocation state are checked. */
export interface VerifiedToken {
  readonly jti: string;
  /** The `sub` claim. */
  readonly userId: string;
  /** From `iat`, to the millisecond. */
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** The application data given to `generateToken` (the `data` claim). */
  readonly data: Readonly<Record<string, unknown>>;
  /** Every claim of the token, as signed. */
  readonly claims: Readonly<Record<string, unknown>>;
}
