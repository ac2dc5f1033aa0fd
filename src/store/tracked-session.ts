/** Whether a token grants access to the API or only the right to refresh. */
export type TokenUse = 'access' | 'refresh';

/** A tracked token as the store returns it: metadata only, never the token. */
export interface TrackedToken {
  readonly jti: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly tokenUse: TokenUse;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly lastUsedAt: Date | null;
  readonly clientIp: string | null;
  readonly userAgent: string | null;
}

/**
 * A login: the tokens sharing one session id. Active while any of its tokens
 * is unexpired, unrevoked and (for a refresh token) not yet rotated.
 */
export interface TrackedSession {
  readonly sessionId: string;
  readonly userId: string;
  /** When the session began (its first token). */
  readonly createdAt: Date;
  /** When its last active token expires. */
  readonly expiresAt: Date;
  /** Last authenticated request, as recorded at most once per interval. */
  readonly lastUsedAt: Date | null;
  /** Of the most recently issued token (a refresh may come from elsewhere). */
  readonly clientIp: string | null;
  readonly userAgent: string | null;
}
