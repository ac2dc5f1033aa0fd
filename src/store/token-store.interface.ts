import { TrackedSession, TrackedToken } from './tracked-session.js';

/** A token to record at issuance: a tracked token that has not been used yet. */
export type IssuedTokenRecord = Omit<TrackedToken, 'lastUsedAt'>;

/** What to do when a new session would exceed the cap. */
export type SessionLimitPolicy = 'reject' | 'evict-oldest';

/** What `recordNewSession` must enforce; `maxSessions` 0 means no cap. */
export interface SessionLimit {
  readonly maxSessions: number;
  readonly policy: SessionLimitPolicy;
}

/**
 * The tokens of a new session, built (signed) by the caller when the store
 * asks: under the user's lock when there is a cap, so that issue times
 * follow the order in which sessions are recorded. "Active" is judged at the
 * first token's `issuedAt`.
 */
export interface NewSession<T> {
  readonly records: readonly IssuedTokenRecord[];
  /** Handed back to the caller untouched (the signed tokens). */
  readonly value: T;
}

export interface RecordedSession<T> {
  readonly value: T;
  /** Sessions revoked by the `evict-oldest` policy to make room. */
  readonly evictedSessionIds: readonly string[];
}

/** The token identity a revocation check needs, all from verified claims. */
export interface TokenIdentity {
  readonly jti: string;
  readonly userId: string;
  readonly issuedAt: Date;
}

/** A page of a listing. */
export interface PageRequest {
  readonly limit: number;
  readonly offset: number;
}

export interface RevocationRequest {
  readonly jti: string;
  readonly at: Date;
  readonly reason: string;
  /**
   * Revoke only if the token is a tracked token of this user; any other jti
   * is reported as 'not-found', so a user cannot probe for others' sessions.
   */
  readonly ownerUserId?: string;
  /**
   * For a token that was never tracked: its claims, so the deny-list entry
   * can be kept exactly as long as the token could be presented.
   */
  readonly untracked?: { readonly expiresAt: Date; readonly userId?: string; readonly issuedAt?: Date };
}

export type RevocationOutcome =
  | { readonly status: 'revoked'; readonly userId: string | null; readonly sessionId: string | null }
  | { readonly status: 'already-revoked' | 'expired' | 'not-found' };

export interface RotationRequest {
  /** The refresh token presented, already verified and checked against revocation. */
  readonly presented: TokenIdentity;
  /** The new access/refresh pair, in the same session. */
  readonly next: readonly IssuedTokenRecord[];
  readonly now: Date;
  /** How long after a rotation the old refresh token may be exchanged again. */
  readonly graceMs: number;
}

export type RotationOutcome =
  | { readonly status: 'rotated' | 'grace'; readonly sessionId: string }
  | { readonly status: 'reused'; readonly sessionId: string }
  | { readonly status: 'revoked' | 'not-found' };

export interface RevokedSessions {
  /** Sessions that were active and are now revoked. */
  readonly sessionIds: readonly string[];
}

/** Cut-off instants of a purge: rows expired at or before these go. */
export interface PurgeRequest {
  /** Tracked tokens whose `expires_at` is at or before this. */
  readonly tokensExpiredBy: Date;
  /** Deny-list entries whose token expired at or before this. */
  readonly revocationsExpiredBy: Date;
  /** Revoke-all watermarks set at or before this (every token they cover has expired). */
  readonly watermarksSetBy: Date;
  readonly batchSize: number;
  /** Stop starting new batches after this long; the next run continues. */
  readonly maxDurationMs: number;
}

export type PurgeOutcome =
  | { readonly status: 'skipped' }
  | { readonly status: 'done' | 'time-limit'; readonly tokens: number; readonly revocations: number; readonly watermarks: number };

/**
 * Persistence contract of the library. Every method either does what it says
 * or throws (`TokenStoreUnavailableError` when the backend fails); none may
 * answer "not revoked" when it does not know.
 */
export interface TokenStore {
  /**
   * Records the tokens of a new session, which `build` signs. When `limit.maxSessions` > 0 the
   * count of the user's active sessions and the insert are one atomic step,
   * serialised per user across every process sharing the store. At the cap,
   * `reject` records nothing and throws `MaxSessionsExceededError`;
   * `evict-oldest` revokes the oldest sessions in the same step.
   */
  recordNewSession<T>(userId: string, build: () => NewSession<T>, limit: SessionLimit): Promise<RecordedSession<T>>;

  /** Active sessions of the user. */
  countActiveSessions(userId: string, now: Date): Promise<number>;

  /** The same sessions, oldest first; all of them unless a page is asked for. */
  listActiveSessions(userId: string, now: Date, page?: PageRequest): Promise<TrackedSession[]>;

  /** Unexpired, unrevoked, unrotated tokens of the user, oldest first. */
  listActiveTokens(userId: string, now: Date): Promise<TrackedToken[]>;

  /** True when the token was revoked alone, with its session, or by its user's revoke-all. */
  isRevoked(token: TokenIdentity): Promise<boolean>;

  /** Revokes the token's whole session when it is tracked; deny-lists it alone when not. */
  revoke(request: RevocationRequest): Promise<RevocationOutcome>;

  /**
   * Revokes every token of the user issued at or before `at`, tracked or
   * not, and returns the sessions that were active.
   */
  revokeAllForUser(userId: string, at: Date, reason: string): Promise<RevokedSessions>;

  /** Revokes every active session of the user but `keepSessionId`. */
  revokeOtherSessions(userId: string, keepSessionId: string, at: Date, reason: string): Promise<RevokedSessions>;

  /**
   * Exchanges a refresh token for the next pair of its session, atomically:
   * the old one is marked rotated and the new ones recorded, or nothing
   * changes. A refresh token rotated longer than `graceMs` ago is reuse: the
   * whole session is revoked (and that revocation is kept).
   */
  rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome>;

  /** Records when tokens were last used (never moves a time backwards). */
  recordLastUsed(uses: ReadonlyArray<{ readonly jti: string; readonly at: Date }>): Promise<void>;

  /**
   * Deletes expired rows in bounded batches. At most one purge runs at a
   * time across all processes; a purge that finds another running is skipped.
   */
  purgeExpired(request: PurgeRequest): Promise<PurgeOutcome>;
}

/** Injection token of the `TokenStore` in use (one name for type and token). */
export const TokenStore = Symbol('TokenStore');
