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
  /** The `kid` of the key that signed it (null for tokens recorded before keys had ids). */
  readonly keyId: string | null;
  readonly clientIp: string | null;
  readonly userAgent: string | null;
}

/** A session row as the store holds it. */
export interface StoredSession {
  readonly sessionId: string;
  readonly userId: string;
  readonly createdAt: Date;
  /** The last login, refresh or recorded guarded request. */
  readonly lastActiveAt: Date;
  /** When its last token expires. */
  readonly expiresAt: Date;
  readonly clientIp: string | null;
  readonly userAgent: string | null;
}

/**
 * A login, as the library reports it: a token issued alone, or an
 * access/refresh pair and the pairs it was rotated into.
 */
export interface TrackedSession {
  readonly sessionId: string;
  readonly userId: string;
  /** When the session began (its first token). */
  readonly createdAt: Date;
  /** The last login, refresh or guarded request (recorded at most once per `lastUsedIntervalSeconds`). */
  readonly lastActiveAt: Date;
  /**
   * When the session ends unless it is used or refreshed first: the earliest
   * of its last token's expiry, its idle deadline and its absolute deadline.
   */
  readonly expiresAt: Date;
  /** `lastActiveAt` plus `sessionIdleTimeout`; null when that policy is off. */
  readonly idleExpiresAt: Date | null;
  /** `createdAt` plus `sessionMaxLifetime`; null when that policy is off. */
  readonly absoluteExpiresAt: Date | null;
  /** Of the latest token: a refresh may come from elsewhere. */
  readonly clientIp: string | null;
  readonly userAgent: string | null;
}
