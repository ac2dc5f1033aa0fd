import { TrackedSession } from './tracked-session.js';

/** A token to record at issuance. */
export type IssuedTokenRecord = TrackedSession;

/** What `recordIssued` must enforce; `maxSessions` 0 means no cap. */
export interface SessionLimit {
  readonly maxSessions: number;
  /** The instant at which "active" (unexpired) is judged. */
  readonly now: Date;
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

export type RevocationOutcome = 'revoked' | 'already-revoked' | 'expired' | 'not-found';

/**
 * Persistence contract of the library. Every method either does what it says
 * or throws (`TokenStoreUnavailableError` when the backend fails); none of
 * them may answer "not revoked" when it does not know.
 */
export interface TokenStore {
  /**
   * Records a new token. When `limit.maxSessions` > 0 the count of the user's
   * active sessions and the insert are one atomic step, serialised per user
   * across every process sharing the store; at the cap nothing is recorded
   * and `MaxSessionsExceededError` is thrown.
   */
  recordIssued(token: IssuedTokenRecord, limit: SessionLimit): Promise<void>;

  /** Unexpired, unrevoked tracked tokens of the user. */
  countActiveSessions(userId: string, now: Date): Promise<number>;

  /** The same tokens, oldest first; all of them unless a page is asked for. */
  listActiveSessions(userId: string, now: Date, page?: PageRequest): Promise<TrackedSession[]>;

  /** True when the token was revoked alone or by its user's revoke-all. */
  isRevoked(token: TokenIdentity): Promise<boolean>;

  revoke(request: RevocationRequest): Promise<RevocationOutcome>;

  /**
   * Revokes every token of the user issued at or before `at`, tracked or
   * not, and returns how many tracked active sessions that ended.
   */
  revokeAllForUser(userId: string, at: Date, reason: string): Promise<number>;

  /**
   * Revokes every active tracked session of the user except `keepJti` ("log
   * out my other devices") and returns how many it ended.
   */
  revokeOtherSessions(userId: string, keepJti: string, at: Date, reason: string): Promise<number>;
}

/** Injection token of the `TokenStore` in use (one name for type and token). */
export const TokenStore = Symbol('TokenStore');
