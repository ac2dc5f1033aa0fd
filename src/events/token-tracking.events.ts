/**
 * Lifecycle events, emitted through `@nestjs/event-emitter` when the
 * application has `EventEmitterModule` (and silently skipped when it does
 * not). Listen with `@OnEvent(TokenTrackingEvents.REVOKED)`, for example, to
 * persist an audit trail or forward it.
 */
export const TokenTrackingEvents = {
  ISSUED: 'token-tracking.issued',
  REFRESHED: 'token-tracking.refreshed',
  REVOKED: 'token-tracking.revoked',
  REUSE_DETECTED: 'token-tracking.reuse-detected',
  EVICTED: 'token-tracking.evicted',
  PURGED: 'token-tracking.purged',
} as const;

/** A new session: one access token, or an access/refresh pair. */
export class TokenIssuedEvent {
  constructor(
    readonly userId: string,
    readonly sessionId: string,
    readonly jtis: readonly string[],
    readonly issuedAt: Date,
    readonly expiresAt: Date,
    readonly clientIp: string | null,
    readonly userAgent: string | null,
  ) {}
}

/** A refresh token was exchanged for a new pair of the same session. */
export class TokenRefreshedEvent {
  constructor(
    readonly userId: string,
    readonly sessionId: string,
    readonly previousJti: string,
    readonly accessJti: string,
    readonly refreshJti: string,
    /** True when the previous token had already been exchanged, within the grace period. */
    readonly withinGrace: boolean,
  ) {}
}

/** How much a revocation covered. */
export type RevocationScope = 'token' | 'session' | 'other-sessions' | 'all';

/** Sessions (or an untracked token) were revoked. */
export class TokensRevokedEvent {
  constructor(
    readonly userId: string | null,
    readonly scope: RevocationScope,
    /** Revoked sessions; empty for an untracked token or a revoke-all that found none. */
    readonly sessionIds: readonly string[],
    readonly reason: string,
    /** Who asked, as the caller said (an admin's id, "system", ...). */
    readonly actor: string | null,
    readonly at: Date,
  ) {}
}

/** An exchanged refresh token came back after the grace period; its session was revoked. */
export class RefreshTokenReuseDetectedEvent {
  constructor(
    readonly userId: string,
    readonly sessionId: string,
    readonly jti: string,
    readonly at: Date,
  ) {}
}

/** The `evict-oldest` policy revoked sessions to make room for a new one. */
export class SessionsEvictedEvent {
  constructor(
    readonly userId: string,
    readonly sessionIds: readonly string[],
    /** The session that took their place. */
    readonly newSessionId: string,
    readonly at: Date,
  ) {}
}

/** A purge run ended. */
export class TokensPurgedEvent {
  constructor(
    readonly sessions: number,
    readonly tokens: number,
    readonly revocations: number,
    readonly watermarks: number,
    /** False when the run hit its time limit; the next run continues. */
    readonly complete: boolean,
    readonly durationMs: number,
  ) {}
}
