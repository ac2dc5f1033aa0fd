import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { ActiveSessionCriteria } from '../store/token-store.interface.js';
import { StoredSession, TrackedSession } from '../store/tracked-session.js';

/**
 * The session lifetimes in one place: which sessions count as active now,
 * how long a new token may live, and when a session will end.
 */
export class SessionPolicy {
  private readonly idleMs: number | null;
  private readonly maxLifetimeMs: number | null;

  constructor(private readonly options: ResolvedTokenTrackingOptions) {
    this.idleMs = options.sessionIdleTimeoutSeconds === null ? null : options.sessionIdleTimeoutSeconds * 1000;
    this.maxLifetimeMs = options.sessionMaxLifetimeSeconds === null ? null : options.sessionMaxLifetimeSeconds * 1000;
  }

  criteria(nowMs: number = this.options.clock()): ActiveSessionCriteria {
    return {
      now: new Date(nowMs),
      idleCutoff: this.idleMs === null ? null : new Date(nowMs - this.idleMs),
      createdCutoff: this.maxLifetimeMs === null ? null : new Date(nowMs - this.maxLifetimeMs),
    };
  }

  /** When a session that started at `sessionStartedAtMs` must end whatever happens; null without a maximum lifetime. */
  absoluteEndMs(sessionStartedAtMs: number): number | null {
    return this.maxLifetimeMs === null ? null : sessionStartedAtMs + this.maxLifetimeMs;
  }

  /** `exp` (whole seconds) of a token issued now for `lifetimeSeconds`, never past its session's absolute end. */
  expirySeconds(issuedAtMs: number, lifetimeSeconds: number, sessionStartedAtMs: number): number {
    const natural = Math.floor(issuedAtMs / 1000) + lifetimeSeconds;
    const end = this.absoluteEndMs(sessionStartedAtMs);
    return end === null ? natural : Math.min(natural, Math.floor(end / 1000));
  }

  describe(session: StoredSession): TrackedSession {
    const idleExpiresAt = this.idleMs === null ? null : new Date(session.lastActiveAt.getTime() + this.idleMs);
    const absoluteEnd = this.absoluteEndMs(session.createdAt.getTime());
    const absoluteExpiresAt = absoluteEnd === null ? null : new Date(absoluteEnd);
    const ends = [session.expiresAt, idleExpiresAt, absoluteExpiresAt].filter((date): date is Date => date !== null);
    return {
      sessionId: session.sessionId,
      userId: session.userId,
      createdAt: session.createdAt,
      lastActiveAt: session.lastActiveAt,
      expiresAt: new Date(Math.min(...ends.map((date) => date.getTime()))),
      idleExpiresAt,
      absoluteExpiresAt,
      clientIp: session.clientIp,
      userAgent: session.userAgent,
    };
  }
}
