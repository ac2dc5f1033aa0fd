import type { RevocationLog } from '../revocation/revocation-log.js';
import type { PageRequest } from '../validation/argument-checks.js';
import { StoredSession, TokenUse, TrackedToken } from './tracked-session.js';

export type { PageRequest };

/** What to do when a new session would exceed the cap. */
export type SessionLimitPolicy = 'reject' | 'evict-oldest';

/**
 * Which sessions are active at `now`: not revoked, last token unexpired,
 * used after `idleCutoff` and created after `createdCutoff` (each null when
 * that policy is off).
 */
export interface ActiveSessionCriteria {
  readonly now: Date;
  readonly idleCutoff: Date | null;
  readonly createdCutoff: Date | null;
}

/** A token to record with its session. */
export interface IssuedTokenRecord {
  readonly jti: string;
  readonly tokenUse: TokenUse;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly keyId: string | null;
  /** On a refresh token: the access token issued with it. */
  readonly accessJti: string | null;
}

/** A new session and its first tokens (the first token's `issuedAt` is when it starts). */
export interface NewSession {
  readonly sessionId: string;
  readonly userId: string;
  readonly clientIp: string | null;
  readonly userAgent: string | null;
  readonly tokens: readonly IssuedTokenRecord[];
}

/** What `startSession` enforces; `maxSessions` 0 means no cap. */
export interface SessionLimit {
  readonly maxSessions: number;
  readonly policy: SessionLimitPolicy;
  readonly criteria: ActiveSessionCriteria;
}

export type StartSessionOutcome =
  | { readonly status: 'recorded'; readonly evictedSessionIds: readonly string[] }
  | { readonly status: 'refused' };

/** The token identity a revocation check needs, all from verified claims. */
export interface TokenIdentity {
  readonly jti: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly issuedAt: Date;
}

/** When and why a revocation happens, and which sessions still count as live. */
export interface RevocationStamp {
  readonly at: Date;
  readonly reason: string;
  /**
   * Sessions whose last token expired at or before this can no longer be
   * used, and are not revoked: `at` minus the clock tolerance, since the
   * verifier accepts tokens that long after they expire.
   */
  readonly expiredBy: Date;
}

export interface SessionRevocation extends RevocationStamp {
  /** A session id, or (unless `sessionIdOnly`) the jti of one of its tokens. */
  readonly id: string;
  /** Match `id` against session ids only (a presented token names its own session). */
  readonly sessionIdOnly?: boolean;
  /**
   * Revoke only a session of this user; any other is reported as
   * 'not-found', so a user cannot probe for others' sessions.
   */
  readonly ownerUserId?: string;
}

export type SessionRevocationOutcome =
  | { readonly status: 'revoked'; readonly userId: string; readonly sessionId: string }
  | { readonly status: 'already-revoked' | 'expired' | 'not-found' };

/** A token that was never tracked, to deny-list by jti until it expires. */
export interface TokenDenial {
  readonly jti: string;
  readonly userId: string | null;
  /** When known: a token the user's revoke-all watermark already covers is reported as already revoked. */
  readonly issuedAt: Date | null;
  readonly expiresAt: Date;
  readonly at: Date;
  readonly reason: string;
}

export interface RotationRequest {
  /** The refresh token presented, already verified. */
  readonly presented: TokenIdentity;
  /** The new access token and refresh token, in that order, in the same session. */
  readonly next: readonly [IssuedTokenRecord, IssuedTokenRecord];
  readonly clientIp: string | null;
  readonly userAgent: string | null;
  readonly now: Date;
  /** How long after a rotation the old refresh token may be presented again and get the same pair. */
  readonly graceMs: number;
  /** Sessions last active at or before this are idle (null: no idle timeout). */
  readonly idleCutoff: Date | null;
  /** Sessions created at or before this are past their absolute lifetime (null: none). */
  readonly createdCutoff: Date | null;
}

/** A token already issued, as recorded: enough to sign it again with the same claims. */
export interface RecordedToken {
  readonly jti: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

export type RotationOutcome =
  /** The old refresh token is retired and the new pair recorded. */
  | { readonly status: 'rotated'; readonly sessionId: string; readonly createdAt: Date }
  /** Presented again within the grace period: the pair that replaced it, to hand back again. */
  | { readonly status: 'grace'; readonly sessionId: string; readonly createdAt: Date; readonly access: RecordedToken; readonly refresh: RecordedToken }
  /** Presented again after the grace period: the session was revoked. */
  | { readonly status: 'reused'; readonly sessionId: string }
  /** The session was idle past the timeout: it was revoked. */
  | { readonly status: 'idle'; readonly sessionId: string }
  /** The session is past its absolute lifetime: it was revoked. */
  | { readonly status: 'session-expired'; readonly sessionId: string }
  /** The session was revoked already, for `reason` when known (an idle sweep that committed first says `idle-timeout`). */
  | { readonly status: 'revoked'; readonly reason?: string | null }
  | { readonly status: 'not-found' };

export interface RevokedSessions {
  /** Sessions revoked by the call (none that were already revoked). */
  readonly sessionIds: readonly string[];
}

/** Sessions revoked as idle (by the sweep, or when used after their deadline), with their users. */
export interface IdleSessionsRevoked {
  readonly sessions: ReadonlyArray<{ readonly sessionId: string; readonly userId: string }>;
}

/**
 * What recording use did: the sessions it revoked as used after their idle
 * deadline, and the uses it left alone because their session's recorded
 * last use (given as `at`) is already within the interval.
 */
export interface RecordedActivity extends IdleSessionsRevoked {
  readonly recordedElsewhere?: readonly SessionUse[];
}

/** A use of a session, by a guarded request at `at`. */
export interface SessionUse {
  readonly sessionId: string;
  readonly at: Date;
}

/** With `sessionIdleTimeout`: how recording use tells a session in use from one already over. */
export interface IdleDeadline {
  /** A use counts only when the session was last active less than this long before it. */
  readonly timeoutMs: number;
  /** The revocation of sessions used after their deadline (reason `idle-timeout`, as the idle sweep's). */
  readonly stamp: RevocationStamp;
}

/** Cut-off instants of a purge: rows expired at or before these go. */
export interface PurgeRequest {
  /** Sessions and tokens whose last token expired at or before this. */
  readonly tokensExpiredBy: Date;
  /** Deny-list entries whose tokens expired at or before this. */
  readonly revocationsExpiredBy: Date;
  /** Revoke-all watermarks set at or before this (every token they cover has expired). */
  readonly watermarksSetBy: Date;
  readonly batchSize: number;
  /** Stop starting new batches after this long; the next run continues. */
  readonly maxDurationMs: number;
}

export type PurgeOutcome =
  | { readonly status: 'skipped' }
  | {
      readonly status: 'done' | 'time-limit';
      readonly sessions: number;
      readonly tokens: number;
      readonly revocations: number;
      readonly watermarks: number;
    };

/** When the tokens a key signed stop mattering. */
export interface KeyUsage {
  readonly keyId: string;
  /** Tracked tokens signed with it that can still be accepted. */
  readonly activeTokens: number;
  /** When the last of them stops being accepted (null: none left). */
  readonly lastExpiresAt: Date | null;
}

/**
 * What, besides being unexpired, a recorded token needs to be accepted
 * again: a session that is not revoked, not idle and not past its maximum
 * lifetime, and, for a refresh token already exchanged, a grace period not
 * yet over.
 */
export interface LiveTokenCriteria {
  /** Sessions last used at or before this are over (null: no idle timeout). */
  readonly idleCutoff: Date | null;
  /** Sessions started at or before this are over (null: no maximum lifetime). */
  readonly createdCutoff: Date | null;
  /** How long an exchanged refresh token may still be presented (`refreshGraceSeconds`). */
  readonly graceMs: number;
}

/**
 * Persistence contract of the library. Every method either does what it
 * says or throws: `TokenStoreUnavailableError` when the database cannot be
 * reached, `TokenStoreError` for anything else. None may answer "not
 * revoked" when it does not know. Every revocation must reach other
 * instances' revocation replicas (the Prisma store announces it on the
 * NOTIFY channel in the same transaction).
 */
export interface TokenStore {
  /**
   * Checks that the database has what the store needs (tables, columns,
   * functions) and throws `TokenTrackingConfigurationError` naming what is
   * missing. Called once at startup.
   */
  verifySchema?(): Promise<void>;

  /** Answers when the database does (health checks); throws like any method when it does not. */
  ping?(): Promise<void>;

  /**
   * Why a user's session was revoked (`idle-timeout`, `max-lifetime`, …), or
   * null when it is not revoked or unknown: lets a refresh refused as revoked
   * say that the session timed out.
   */
  revocationReasonOf?(userId: string, sessionId: string): Promise<string | null>;
  /**
   * The revocation log that revocation replicas follow. Optional: a store
   * without it cannot be used with `revocationReplica`.
   */
  revocationLog?(): RevocationLog;

  /**
   * When a user's session was last used, as recorded (null when the store
   * has no such session): lets the guard refuse a session past its idle
   * deadline before the idle sweep revokes it.
   */
  lastActiveAtOf?(userId: string, sessionId: string): Promise<Date | null>;

  /**
   * Records a new session and its tokens. When `limit.maxSessions` > 0, the
   * count of the user's active sessions and the insert are one atomic step,
   * serialised per user across every process sharing the store. At the cap,
   * `reject` records nothing; `evict-oldest` revokes the sessions recorded
   * first in the same step.
   */
  startSession(session: NewSession, limit: SessionLimit): Promise<StartSessionOutcome>;

  countActiveSessions(userId: string, criteria: ActiveSessionCriteria): Promise<number>;

  /** The user's active sessions, oldest first; all of them unless a page is asked for. */
  listActiveSessions(userId: string, criteria: ActiveSessionCriteria, page?: PageRequest): Promise<StoredSession[]>;

  /** Unexpired, unrotated tokens of the user's active sessions, oldest first. */
  listActiveTokens(userId: string, criteria: ActiveSessionCriteria): Promise<TrackedToken[]>;

  /** True when the token's session or the token itself was revoked, or every token of its user issued before a watermark after its `iat`. */
  isRevoked(token: TokenIdentity): Promise<boolean>;

  /** Revokes the session that has this id, or a token with this jti. */
  revokeSession(request: SessionRevocation): Promise<SessionRevocationOutcome>;

  /** Deny-lists a token that was never tracked. 'already-revoked' when an entry or the watermark covers it. */
  denyToken(denial: TokenDenial): Promise<'denied' | 'already-revoked'>;

  /**
   * Revokes every token of the user issued before `stamp.at`, tracked or
   * not (its watermark), and every live session, and returns those sessions.
   */
  revokeAllForUser(userId: string, stamp: RevocationStamp): Promise<RevokedSessions>;

  /** Revokes every live session of the user but `keepSessionId`. */
  revokeOtherSessions(userId: string, keepSessionId: string, stamp: RevocationStamp): Promise<RevokedSessions>;

  /**
   * Exchanges a refresh token for the next pair of its session, atomically:
   * the old one is marked rotated and the new pair recorded, or nothing
   * changes. See `RotationOutcome` for the other answers.
   */
  rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome>;

  /**
   * Records sessions' last use (never moves a time backwards). Must never
   * wait for a lock a revocation holds: a use that cannot be recorded at
   * once is dropped rather than delaying or failing a revocation. With
   * `idle`, a use at or after its session's idle deadline is not recorded
   * (a deadline that has passed never moves) and that session is revoked
   * as idle at once; returns those sessions. With `intervalMs`, a session
   * whose recorded last use is less than that before the new one is left
   * as it is, and returned in `recordedElsewhere` with that last use:
   * another process recorded it within the interval (a store may ignore
   * `intervalMs`; it only saves writes).
   */
  recordActivity(uses: readonly SessionUse[], idle?: IdleDeadline, intervalMs?: number): Promise<RecordedActivity | void>;

  /** Revokes up to `batchSize` live sessions last active at or before `idleCutoff`. */
  revokeIdleSessions(idleCutoff: Date, stamp: RevocationStamp, batchSize: number): Promise<IdleSessionsRevoked>;

  /**
   * Deletes expired rows in bounded batches. At most one purge runs at a
   * time across all processes; a purge that finds another running is skipped.
   */
  purgeExpired(request: PurgeRequest): Promise<PurgeOutcome>;

  /**
   * Per signing key, the tracked tokens that can still be accepted at `now`:
   * unexpired, of a session that is neither revoked nor over by `live`, and
   * not exchanged (a refresh token) longer ago than `live.graceMs`. Without
   * `live`, only revoked sessions and exchanged refresh tokens are left out.
   */
  keyUsage(now: Date, live?: LiveTokenCriteria): Promise<KeyUsage[]>;
}

/** Injection token of the `TokenStore` in use (one name for type and token). */
export const TokenStore = Symbol.for('nestjs-token-tracking:TokenStore');
