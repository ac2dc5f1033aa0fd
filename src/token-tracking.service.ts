import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InvalidArgumentError } from './errors/invalid-argument.error.js';
import { RefreshTokenReusedError } from './errors/refresh-token-reused.error.js';
import { SessionNotFoundError } from './errors/session-not-found.error.js';
import { TokenExpiredError } from './errors/token-expired.error.js';
import { TokenRevokedError } from './errors/token-revoked.error.js';
import { TokenTooLargeError } from './errors/token-too-large.error.js';
import { TokenTypeMismatchError } from './errors/token-type-mismatch.error.js';
import { TrackingDisabledError } from './errors/tracking-disabled.error.js';
import { TokenEventPublisher } from './events/token-event-publisher.js';
import {
  RefreshTokenReuseDetectedEvent,
  RevocationScope,
  SessionsEvictedEvent,
  TokenIssuedEvent,
  TokenRefreshedEvent,
  TokensPurgedEvent,
  TokensRevokedEvent,
  TokenTrackingEvents,
} from './events/token-tracking.events.js';
import { RESOLVED_OPTIONS } from './internal.constants.js';
import { IssueContextSource, NormalizedIssueContext, normalizeIssueContext } from './issue-context.js';
import { REFRESH_TOKEN_USE, RESERVED_CLAIMS, VerifiedToken } from './jwt/token-claims.js';
import { TokenVerifier } from './jwt/token-verifier.js';
import { MAX_ID_LENGTH, MAX_REASON_LENGTH, MAX_USER_ID_LENGTH } from './limits.js';
import { DEFAULT_PURGE, ResolvedTokenTrackingOptions } from './resolved-options.js';
import {
  IssuedTokenRecord,
  PageRequest,
  PurgeOutcome,
  RevocationRequest,
  TokenStore,
} from './store/token-store.interface.js';
import { TokenUse, TrackedSession, TrackedToken } from './store/tracked-session.js';
import { Invalidation } from './sync/revocation-cache.js';
import { RevocationChecker } from './sync/revocation-checker.js';

/** A freshly signed token and what was recorded about it. */
export interface GeneratedToken {
  readonly token: string;
  readonly jti: string;
  readonly sessionId: string;
  readonly tokenUse: TokenUse;
  readonly userId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

/** An access token and the refresh token of the same session. */
export interface TokenPair {
  readonly accessToken: GeneratedToken;
  readonly refreshToken: GeneratedToken;
  readonly sessionId: string;
}

/** Why and by whom, recorded with a revocation and passed to its event. */
export interface RevokeOptions {
  /** Short reason code stored with the revocation, at most 64 characters. */
  reason?: string;
  /** Who asked: an admin's id, "system", ... (events only). */
  actor?: string;
}

/** 32 random bytes: 256 bits, 43 base64url characters. */
const ID_BYTES = 32;

const newId = () => randomBytes(ID_BYTES).toString('base64url');

/**
 * Issues, verifies, refreshes and revokes tokens, and answers for a user's
 * sessions. Every check that needs no database runs before any that does.
 */
@Injectable()
export class TokenTrackingService {
  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenStore) private readonly store: TokenStore,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(TokenEventPublisher) private readonly events: TokenEventPublisher,
    @Inject(RevocationChecker) private readonly revocations: RevocationChecker,
  ) {}

  /**
   * Signs a token for `userId` carrying `data` under the `data` claim, and
   * records it (a session of its own) when tracking is on. At the session
   * cap, with the `reject` policy, nothing is recorded and
   * `MaxSessionsExceededError` is thrown.
   *
   * `context` is the incoming request (client IP as Express computes it,
   * honouring `trust proxy`, and the User-Agent header) or explicit values.
   */
  async generateToken(
    userId: string,
    data: Record<string, unknown> = {},
    context?: IssueContextSource,
  ): Promise<GeneratedToken> {
    return this.startSession(this.prepareRequest(userId, data, context), (issue) => {
      const jti = newId();
      const token = this.sign(issue, jti, jti, 'access', this.options.expiresInSeconds);
      return { tokens: [token], value: token };
    });
  }

  /**
   * Starts a session with an access token and a refresh token (`sid` claim
   * shared, the refresh token marked `token_use: "refresh"`). The session
   * counts once toward the cap. Requires tracking.
   */
  async generateTokenPair(
    userId: string,
    data: Record<string, unknown> = {},
    context?: IssueContextSource,
  ): Promise<TokenPair> {
    this.assertTracking();
    return this.startSession(this.prepareRequest(userId, data, context), (issue) => {
      const pair = this.signPair(issue, newId());
      return { tokens: [pair.accessToken, pair.refreshToken], value: pair };
    });
  }

  /**
   * Exchanges a refresh token for a new pair of the same session (rotation).
   * The old refresh token is retired in the same transaction that records
   * the new pair; if anything fails, the old session is untouched. An
   * exchanged refresh token presented again within `refreshGraceSeconds`
   * gets another pair (parallel requests from one client); presented later,
   * it revokes the whole session and throws `RefreshTokenReusedError`.
   */
  async refresh(refreshToken: string, context?: IssueContextSource): Promise<TokenPair> {
    this.assertTracking();
    const presented = this.verifier.verify(refreshToken);
    if (presented.tokenUse !== 'refresh') throw new TokenTypeMismatchError('refresh');
    if (await this.revocations.isRevoked(presented)) throw new TokenRevokedError();
    const issue = this.stamp(this.prepareRequest(presented.userId, { ...presented.data }, context));
    const pair = this.signPair(issue, presented.sessionId);
    const outcome = await this.afterwardsForgetting(
      { userId: presented.userId },
      () => this.store.rotateRefreshToken({
        presented,
        next: [pair.accessToken, pair.refreshToken].map((token) => this.recordOf(token, issue)),
        now: issue.issuedAt,
        graceMs: this.options.refreshGraceMs,
      }),
      (result) => result.status === 'reused',
    );
    switch (outcome.status) {
      case 'rotated':
      case 'grace':
        this.events.publish(TokenTrackingEvents.REFRESHED, new TokenRefreshedEvent(
          presented.userId, outcome.sessionId, presented.jti, pair.accessToken.jti, pair.refreshToken.jti,
          outcome.status === 'grace',
        ));
        return pair;
      case 'reused':
        this.events.publish(TokenTrackingEvents.REUSE_DETECTED, new RefreshTokenReuseDetectedEvent(
          presented.userId, outcome.sessionId, presented.jti, issue.issuedAt,
        ));
        this.publishRevoked(presented.userId, 'session', [outcome.sessionId], 'refresh-token-reuse', null, issue.issuedAt);
        throw new RefreshTokenReusedError();
      case 'revoked':
        throw new TokenRevokedError();
      case 'not-found':
        throw new SessionNotFoundError('this refresh token was never tracked (or its rows were purged); log in again');
    }
  }

  /**
   * Verifies an access token: size, signature (configured algorithm only),
   * claims, expiry, not-before, issuer, audience, then revocation. Each
   * failure is its own error. A refresh token is refused.
   */
  async parseToken(token: string): Promise<VerifiedToken> {
    const verified = this.verifier.verify(token);
    if (verified.tokenUse !== 'access') throw new TokenTypeMismatchError('access');
    if (await this.revocations.isRevoked(verified)) throw new TokenRevokedError();
    return verified;
  }

  /** The user's active sessions (a token pair and its rotations count once). */
  async getUserSessionCount(userId: string): Promise<number> {
    this.assertTracking();
    assertUserId(userId);
    return this.store.countActiveSessions(userId, this.now());
  }

  /** The user's active sessions, oldest first (a page of them when `page` is given). */
  async getUserSessions(userId: string, page?: PageRequest): Promise<TrackedSession[]> {
    this.assertTracking();
    assertUserId(userId);
    return this.store.listActiveSessions(userId, this.now(), page);
  }

  /** The user's active tracked tokens, oldest first. */
  async getActiveUserTokens(userId: string): Promise<TrackedToken[]> {
    this.assertTracking();
    assertUserId(userId);
    return this.store.listActiveTokens(userId, this.now());
  }

  /**
   * Revokes a token, given as the token itself, its jti or its session id.
   * A tracked token takes its whole session with it (a logout also ends the
   * refresh token). A token is verified first, so a forged one cannot fill
   * the deny-list; a jti must belong to a tracked token. Revoking twice
   * throws `TokenRevokedError`.
   */
  async revokeToken(tokenOrId: string, options: RevokeOptions = {}): Promise<void> {
    const reason = reasonOf(options, 'revoked');
    if (typeof tokenOrId === 'string' && tokenOrId.includes('.')) {
      const verified = this.verifier.verify(tokenOrId);
      await this.applyRevocation({
        jti: verified.jti,
        at: this.now(),
        reason,
        untracked: { userId: verified.userId, issuedAt: verified.issuedAt, expiresAt: verified.expiresAt },
      }, options);
      return;
    }
    assertId(tokenOrId, 'jti');
    await this.applyRevocation({ jti: tokenOrId, at: this.now(), reason }, options);
  }

  /**
   * Revokes a token known only by its jti and expiry (for example one issued
   * while tracking was off); the deny-list entry lives until `expiresAt`.
   */
  async revokeTokenById(jti: string, expiresAt: Date, options: RevokeOptions = {}): Promise<void> {
    assertId(jti, 'jti');
    if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) {
      throw new InvalidArgumentError('expiresAt must be a valid Date');
    }
    await this.applyRevocation({ jti, at: this.now(), reason: reasonOf(options, 'revoked'), untracked: { expiresAt } }, options);
  }

  /**
   * Revokes one of the user's own sessions, named by session id or by the
   * jti of one of its tokens. Anything that is not the user's is reported as
   * `SessionNotFoundError`, whoever owns it.
   */
  async revokeUserSession(userId: string, sessionIdOrJti: string, options: RevokeOptions = {}): Promise<void> {
    assertUserId(userId);
    assertId(sessionIdOrJti, 'session id');
    await this.applyRevocation(
      { jti: sessionIdOrJti, at: this.now(), reason: reasonOf(options, 'revoked'), ownerUserId: userId },
      options,
    );
  }

  /**
   * Revokes all of the user's sessions but `currentSessionId` ("log out my
   * other devices"). Returns how many it ended.
   */
  async revokeOtherUserSessions(userId: string, currentSessionId: string, options: RevokeOptions = {}): Promise<number> {
    this.assertTracking();
    assertUserId(userId);
    assertId(currentSessionId, 'session id');
    const reason = reasonOf(options, 'revoke-others');
    const at = this.now();
    const { sessionIds } = await this.afterwardsForgetting({ userId }, () =>
      this.store.revokeOtherSessions(userId, currentSessionId, at, reason));
    this.publishRevoked(userId, 'other-sessions', sessionIds, reason, options.actor ?? null, at);
    return sessionIds.length;
  }

  /**
   * Revokes every token of the user issued up to now, tracked or not (for a
   * password change or an incident). Returns how many active sessions ended.
   */
  async revokeAllUserTokens(userId: string, options: RevokeOptions = {}): Promise<number> {
    assertUserId(userId);
    const reason = reasonOf(options, 'revoke-all');
    const at = this.now();
    const { sessionIds } = await this.afterwardsForgetting({ userId }, () => this.store.revokeAllForUser(userId, at, reason));
    this.publishRevoked(userId, 'all', sessionIds, reason, options.actor ?? null, at);
    return sessionIds.length;
  }

  /**
   * Deletes expired tokens, deny-list entries whose token can no longer be
   * accepted, and revoke-all watermarks older than any token they cover, in
   * bounded batches. Skipped (status `skipped`) while another process purges.
   */
  async purgeExpired(): Promise<PurgeOutcome> {
    // An explicit call works with the default settings when the schedule is off.
    const purge = this.options.purge ?? DEFAULT_PURGE;
    const startedAt = Date.now();
    const nowMs = this.options.clock();
    const acceptedFor = this.options.clockToleranceSeconds * 1000;
    const longestLifetime = Math.max(this.options.expiresInSeconds, this.options.refreshExpiresInSeconds) * 1000;
    const outcome = await this.store.purgeExpired({
      tokensExpiredBy: new Date(nowMs - purge.retentionSeconds * 1000),
      // A revoked token stays refused for as long as the verifier would still accept it.
      revocationsExpiredBy: new Date(nowMs - acceptedFor),
      watermarksSetBy: new Date(nowMs - longestLifetime - acceptedFor),
      batchSize: purge.batchSize,
      maxDurationMs: purge.maxDurationSeconds * 1000,
    });
    if (outcome.status !== 'skipped') {
      this.events.publish(TokenTrackingEvents.PURGED, new TokensPurgedEvent(
        outcome.tokens, outcome.revocations, outcome.watermarks, outcome.status === 'done', Date.now() - startedAt,
      ));
    }
    return outcome;
  }

  /** Checks everything about an issuance that can be checked before signing. */
  private prepareRequest(userId: string, data: Record<string, unknown>, context: IssueContextSource | undefined): IssueRequest {
    assertUserId(userId);
    assertTokenData(data);
    return { userId, data, context: normalizeIssueContext(context) };
  }

  /** Fixes the issue time: called as late as possible, right before signing. */
  private stamp(request: IssueRequest): PreparedIssue {
    const nowMs = this.options.clock();
    return { ...request, nowMs, issuedAt: new Date(nowMs) };
  }

  private sign(issue: PreparedIssue, jti: string, sessionId: string, tokenUse: TokenUse, lifetimeSeconds: number): GeneratedToken {
    const nowSeconds = Math.floor(issue.nowMs / 1000);
    const exp = nowSeconds + lifetimeSeconds;
    const token = this.options.codec.sign({
      iss: this.options.issuer,
      sub: issue.userId,
      aud: [...this.options.audiences],
      exp,
      nbf: nowSeconds,
      // Milliseconds in `iat` (RFC 7519 NumericDate may be fractional) make a
      // revoke-all exact: a login in the same second after it stays valid.
      iat: issue.nowMs / 1000,
      jti,
      // A token issued alone is its own session and carries no `sid`.
      ...(sessionId === jti ? {} : { sid: sessionId }),
      ...(tokenUse === 'refresh' ? { token_use: REFRESH_TOKEN_USE } : {}),
      ...(Object.keys(issue.data).length > 0 ? { data: issue.data } : {}),
    });
    if (token.length > this.options.maxTokenSize) throw new TokenTooLargeError();
    return { token, jti, sessionId, tokenUse, userId: issue.userId, issuedAt: issue.issuedAt, expiresAt: new Date(exp * 1000) };
  }

  private signPair(issue: PreparedIssue, sessionId: string): TokenPair {
    return {
      sessionId,
      accessToken: this.sign(issue, newId(), sessionId, 'access', this.options.expiresInSeconds),
      refreshToken: this.sign(issue, newId(), sessionId, 'refresh', this.options.refreshExpiresInSeconds),
    };
  }

  private recordOf(token: GeneratedToken, issue: PreparedIssue): IssuedTokenRecord {
    return {
      jti: token.jti,
      userId: token.userId,
      sessionId: token.sessionId,
      tokenUse: token.tokenUse,
      issuedAt: token.issuedAt,
      expiresAt: token.expiresAt,
      clientIp: issue.context.clientIp,
      userAgent: issue.context.userAgent,
    };
  }

  /**
   * Signs and records a new session. With a cap, the store calls `sign`
   * under the user's lock, so issue times follow the recording order.
   */
  private async startSession<T>(
    request: IssueRequest,
    sign: (issue: PreparedIssue) => { tokens: GeneratedToken[]; value: T },
  ): Promise<T> {
    if (!this.options.trackUserTokens) return sign(this.stamp(request)).value;
    let signed: { issue: PreparedIssue; tokens: GeneratedToken[] } | undefined;
    const { value, evictedSessionIds } = await this.afterwardsForgetting(
      this.options.sessionLimitPolicy === 'evict-oldest' ? { userId: request.userId } : null,
      () => this.store.recordNewSession(
      request.userId,
      () => {
        const issue = this.stamp(request);
        const { tokens, value } = sign(issue);
        signed = { issue, tokens };
        return { records: tokens.map((token) => this.recordOf(token, issue)), value };
      },
      { maxSessions: this.options.maxUserSessions, policy: this.options.sessionLimitPolicy },
      ),
      (result) => result.evictedSessionIds.length > 0,
    );
    const { issue, tokens } = signed!;
    const sessionId = tokens[0]!.sessionId;
    if (evictedSessionIds.length > 0) {
      this.events.publish(TokenTrackingEvents.EVICTED, new SessionsEvictedEvent(issue.userId, evictedSessionIds, sessionId, issue.issuedAt));
      this.publishRevoked(issue.userId, 'session', evictedSessionIds, 'evicted', null, issue.issuedAt);
    }
    this.events.publish(TokenTrackingEvents.ISSUED, new TokenIssuedEvent(
      issue.userId, sessionId, tokens.map((token) => token.jti), issue.issuedAt,
      new Date(Math.max(...tokens.map((token) => token.expiresAt.getTime()))),
      issue.context.clientIp, issue.context.userAgent,
    ));
    return value;
  }

  private async applyRevocation(request: RevocationRequest, options: RevokeOptions): Promise<void> {
    const userId = request.ownerUserId ?? request.untracked?.userId;
    const outcome = await this.afterwardsForgetting(userId ? { userId } : { jti: request.jti }, () => this.store.revoke(request));
    // A tracked token's session may hold other tokens of its user.
    if (outcome.status === 'revoked' && outcome.userId && outcome.userId !== userId) {
      this.revocations.invalidate({ userId: outcome.userId });
    }
    switch (outcome.status) {
      case 'revoked':
        this.publishRevoked(
          outcome.userId,
          outcome.sessionId === null ? 'token' : 'session',
          outcome.sessionId === null ? [] : [outcome.sessionId],
          request.reason,
          options.actor ?? null,
          request.at,
        );
        return;
      case 'already-revoked':
        throw new TokenRevokedError();
      case 'expired':
        throw new TokenExpiredError();
      case 'not-found':
        throw new SessionNotFoundError();
    }
  }

  /**
   * Runs a write that may revoke, then drops this instance's cached verdicts
   * it may have made stale: when `revoked(result)` says so (by default
   * always), and whenever the write failed (it may have committed).
   */
  private async afterwardsForgetting<T>(
    target: Invalidation | null,
    write: () => Promise<T>,
    revoked: (result: T) => boolean = () => true,
  ): Promise<T> {
    let result: T;
    try {
      result = await write();
    } catch (error) {
      if (target) this.revocations.invalidate(target);
      throw error;
    }
    if (target && revoked(result)) this.revocations.invalidate(target);
    return result;
  }

  private publishRevoked(
    userId: string | null,
    scope: RevocationScope,
    sessionIds: readonly string[],
    reason: string,
    actor: string | null,
    at: Date,
  ): void {
    this.events.publish(TokenTrackingEvents.REVOKED, new TokensRevokedEvent(userId, scope, sessionIds, reason, actor, at));
  }

  private assertTracking(): void {
    if (!this.options.trackUserTokens) throw new TrackingDisabledError();
  }

  private now(): Date {
    return new Date(this.options.clock());
  }
}

/** A checked request for a new session. */
interface IssueRequest {
  readonly userId: string;
  readonly data: Record<string, unknown>;
  readonly context: NormalizedIssueContext;
}

/** Everything about one issuance that every token of it shares. */
interface PreparedIssue extends IssueRequest {
  readonly nowMs: number;
  readonly issuedAt: Date;
}

function reasonOf(options: RevokeOptions, fallback: string): string {
  const reason = options.reason ?? fallback;
  if (typeof reason !== 'string' || reason === '' || reason.length > MAX_REASON_LENGTH) {
    throw new InvalidArgumentError(`reason must be a non-empty string of at most ${MAX_REASON_LENGTH} characters`);
  }
  return reason;
}

function assertUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId === '' || userId.length > MAX_USER_ID_LENGTH) {
    throw new InvalidArgumentError(`userId must be a non-empty string of at most ${MAX_USER_ID_LENGTH} characters`);
  }
}

function assertId(id: unknown, name: string): asserts id is string {
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH) {
    throw new InvalidArgumentError(`${name} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
}

function assertTokenData(data: unknown): asserts data is Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidArgumentError('data must be a plain object');
  }
  const reserved = Object.keys(data).filter((name) => RESERVED_CLAIMS.includes(name));
  if (reserved.length > 0) {
    throw new InvalidArgumentError(`data may not use reserved claim names: ${reserved.join(', ')}`);
  }
  try {
    JSON.stringify(data);
  } catch (error) {
    throw new InvalidArgumentError(`data must be JSON-serialisable (${(error as Error).message})`);
  }
}
