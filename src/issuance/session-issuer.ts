import { Inject, Injectable } from '@nestjs/common';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { MaxSessionsExceededError } from '../errors/max-sessions-exceeded.error.js';
import { RefreshTokenReusedError } from '../errors/refresh-token-reused.error.js';
import { SessionExpiredError } from '../errors/session-expired.error.js';
import { SessionIdleTimeoutError } from '../errors/session-idle-timeout.error.js';
import { TokenRevokedError } from '../errors/token-revoked.error.js';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { TokenTypeMismatchError } from '../errors/token-type-mismatch.error.js';
import { TrackingDisabledError } from '../errors/tracking-disabled.error.js';
import { TokenEventPublisher } from '../events/token-event-publisher.js';
import {
  RefreshTokenReuseDetectedEvent,
  SessionsEvictedEvent,
  TokenIssuedEvent,
  TokenRefreshedEvent,
  TokensRevokedEvent,
  TokenTrackingEvents,
} from '../events/token-tracking.events.js';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { IDLE_REVOCATION_REASON } from '../lifecycle/idle-revocations.js';
import { VerifiedToken } from '../jwt/token-claims.js';
import { TOKEN_SIZE_SLACK, TokenContent, TokenSigner } from '../jwt/token-signer.js';
import { TokenVerifier } from '../jwt/token-verifier.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { RevocationChecker } from '../revocation/revocation-checker.js';
import { errorForRevocationReason } from '../sessions/session-ending.js';
import { SessionPolicy } from '../sessions/session-policy.js';
import { IssuedTokenRecord, SessionLimitPolicy, TokenStore } from '../store/token-store.interface.js';
import { TokenUse } from '../store/tracked-session.js';
import { assertOptions, assertUserId, describe } from '../validation/argument-checks.js';
import { IssueContextSource, NormalizedIssueContext, normalizeIssueContext } from './issue-context.js';
import { GeneratedToken, newTokenId, TokenPair } from './issued-tokens.js';
import { assertTokenData } from './token-data.js';

/** Per-call choices of an issuance. */
export interface IssueOptions {
  /**
   * At the cap, for this login only: for example `'evict-oldest'` after the
   * user re-authenticated and chose to end their oldest session.
   */
  sessionLimitPolicy?: SessionLimitPolicy;
}

/**
 * Starts sessions (a token alone, or an access/refresh pair) and rotates
 * refresh tokens. Tokens are signed before they are recorded; with a cap,
 * recording is one atomic step per user (see the store).
 */
@Injectable()
export class SessionIssuer {
  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenStore) private readonly store: TokenStore,
    @Inject(TokenSigner) private readonly signer: TokenSigner,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(RevocationChecker) private readonly revocations: RevocationChecker,
    @Inject(TokenEventPublisher) private readonly events: TokenEventPublisher,
    @Inject(SessionPolicy) private readonly policy: SessionPolicy,
  ) {}

  async generateToken(userId: string, data: Record<string, unknown> = {}, context?: IssueContextSource, issue?: IssueOptions): Promise<GeneratedToken> {
    const request = this.prepare(userId, data, context, issue);
    const nowMs = this.options.clock();
    const jti = newTokenId();
    const token = this.sign({ ...request, jti, sessionId: jti, tokenUse: 'access', issuedAtMs: nowMs, sessionStartedAtMs: nowMs }, this.options.expiresInSeconds, TOKEN_SIZE_SLACK);
    await this.record(request, jti, [recordOf(token, null)], nowMs);
    return token;
  }

  async generateTokenPair(userId: string, data: Record<string, unknown> = {}, context?: IssueContextSource, issue?: IssueOptions): Promise<TokenPair> {
    this.assertTracking();
    const request = this.prepare(userId, data, context, issue);
    const nowMs = this.options.clock();
    const sessionId = newTokenId();
    const common = { ...request, sessionId, issuedAtMs: nowMs, sessionStartedAtMs: nowMs };
    const accessToken = this.sign({ ...common, jti: newTokenId(), tokenUse: 'access' }, this.options.expiresInSeconds, TOKEN_SIZE_SLACK);
    const refreshToken = this.sign({ ...common, jti: newTokenId(), tokenUse: 'refresh' }, this.options.refreshExpiresInSeconds, TOKEN_SIZE_SLACK);
    await this.record(request, sessionId, [recordOf(accessToken, null), recordOf(refreshToken, accessToken.jti)], nowMs);
    return { accessToken, refreshToken, sessionId };
  }

  async refresh(refreshToken: string, context?: IssueContextSource): Promise<TokenPair> {
    this.assertTracking();
    const where = normalizeIssueContext(context);
    const presented = await this.verifier.verify(refreshToken);
    if (presented.tokenUse !== 'refresh') throw new TokenTypeMismatchError('refresh');
    if (await this.revocations.isRevoked(presented)) throw await this.whyRevoked(presented);
    const nowMs = this.options.clock();
    // Tokens from before tokens carried auth_time: their session is taken to start at this one's issue.
    const sessionStartedAtMs = presented.sessionStartedAt?.getTime() ?? presented.issuedAt.getTime();
    const end = this.policy.absoluteEndMs(sessionStartedAtMs);
    if (end !== null && end <= nowMs) throw new SessionExpiredError();
    const common = { userId: presented.userId, data: presented.data, sessionId: presented.sessionId, sessionStartedAtMs };
    const accessToken = this.sign({ ...common, jti: newTokenId(), tokenUse: 'access', issuedAtMs: nowMs }, this.options.expiresInSeconds);
    const nextRefresh = this.sign({ ...common, jti: newTokenId(), tokenUse: 'refresh', issuedAtMs: nowMs }, this.options.refreshExpiresInSeconds);
    const criteria = this.policy.criteria(nowMs);
    const outcome = await this.store.rotateRefreshToken({
      presented,
      next: [recordOf(accessToken, null), recordOf(nextRefresh, accessToken.jti)],
      clientIp: where.clientIp,
      userAgent: where.userAgent,
      now: new Date(nowMs),
      graceMs: this.options.refreshGraceMs,
      idleCutoff: criteria.idleCutoff,
      createdCutoff: criteria.createdCutoff,
    });
    switch (outcome.status) {
      case 'rotated':
        this.events.publish(TokenTrackingEvents.REFRESHED, new TokenRefreshedEvent(
          presented.userId, outcome.sessionId, presented.jti, accessToken.jti, nextRefresh.jti, false));
        return { accessToken, refreshToken: nextRefresh, sessionId: outcome.sessionId };
      case 'grace': {
        // The same pair the first exchange returned, signed again: one live refresh chain per session.
        const again = (token: { jti: string; issuedAt: Date; expiresAt: Date }, tokenUse: TokenUse) =>
          this.signAt({ ...common, jti: token.jti, tokenUse, issuedAtMs: token.issuedAt.getTime() }, Math.round(token.expiresAt.getTime() / 1000));
        const pair = { accessToken: again(outcome.access, 'access'), refreshToken: again(outcome.refresh, 'refresh'), sessionId: outcome.sessionId };
        this.events.publish(TokenTrackingEvents.REFRESHED, new TokenRefreshedEvent(
          presented.userId, outcome.sessionId, presented.jti, pair.accessToken.jti, pair.refreshToken.jti, true));
        return pair;
      }
      case 'reused':
        this.sessionEnded(presented, outcome.sessionId, 'refresh-token-reuse', nowMs);
        this.events.publish(TokenTrackingEvents.REUSE_DETECTED, new RefreshTokenReuseDetectedEvent(
          presented.userId, outcome.sessionId, presented.jti, new Date(nowMs)));
        throw new RefreshTokenReusedError();
      case 'idle':
        this.sessionEnded(presented, outcome.sessionId, IDLE_REVOCATION_REASON, nowMs);
        throw new SessionIdleTimeoutError();
      case 'session-expired':
        this.sessionEnded(presented, outcome.sessionId, 'max-lifetime', nowMs);
        throw new SessionExpiredError();
      case 'revoked':
        // Revoked between the check above and the rotation (an idle sweep, say): it too says why.
        throw errorForRevocationReason(outcome.reason);
      case 'not-found':
        throw new TokenRevokedError('this refresh token belongs to no tracked session (never tracked, or purged); log in again');
    }
  }

  /**
   * A session the idle sweep (or the absolute lifetime) ended says so, as a
   * refresh arriving before the sweep would have: the client learns that
   * its user must log in again because of time, not because of a logout.
   */
  private async whyRevoked(presented: VerifiedToken): Promise<TokenTrackingError> {
    return errorForRevocationReason(await this.store.revocationReasonOf?.(presented.userId, presented.sessionId));
  }

  private prepare(userId: unknown, data: unknown, context: unknown, issue: IssueOptions | undefined): PreparedRequest {
    assertUserId(userId);
    assertTokenData(data);
    assertOptions(issue);
    const policy = issue?.sessionLimitPolicy ?? this.options.sessionLimitPolicy;
    if (policy !== 'reject' && policy !== 'evict-oldest') {
      throw new InvalidArgumentError(`sessionLimitPolicy must be 'reject' or 'evict-oldest' (got ${describe(policy)})`);
    }
    return { userId, data, where: normalizeIssueContext(context), policy };
  }

  private sign(content: Omit<TokenContent, 'expiresAtSeconds'>, lifetimeSeconds: number, reserve = 0): GeneratedToken {
    return this.signAt(content, this.policy.expirySeconds(content.issuedAtMs, lifetimeSeconds, content.sessionStartedAtMs), reserve);
  }

  private signAt(content: Omit<TokenContent, 'expiresAtSeconds'>, expiresAtSeconds: number, reserve = 0): GeneratedToken {
    const { token, keyId } = this.signer.sign({ ...content, expiresAtSeconds }, reserve);
    return {
      token,
      jti: content.jti,
      sessionId: content.sessionId,
      tokenUse: content.tokenUse,
      userId: content.userId,
      issuedAt: new Date(content.issuedAtMs),
      expiresAt: new Date(expiresAtSeconds * 1000),
      keyId,
    };
  }

  /** Records a new session (with a cap: atomically, evicting or refusing at it) and tells listeners. */
  private async record(request: PreparedRequest, sessionId: string, tokens: IssuedTokenRecord[], nowMs: number): Promise<void> {
    const { userId, where } = request;
    if (this.options.trackUserTokens) {
      const criteria = this.policy.criteria(nowMs);
      const outcome = await this.store.startSession(
        { sessionId, userId, clientIp: where.clientIp, userAgent: where.userAgent, tokens },
        { maxSessions: this.options.maxUserSessions, policy: request.policy, criteria },
      );
      if (outcome.status === 'refused') {
        const holding = await this.store.listActiveSessions(userId, criteria).catch(() => []);
        throw new MaxSessionsExceededError(holding.map((session) => this.policy.describe(session)));
      }
      if (outcome.evictedSessionIds.length > 0) {
        const at = new Date(nowMs);
        this.revocations.sessionsRevoked(outcome.evictedSessionIds);
        this.events.publish(TokenTrackingEvents.EVICTED, new SessionsEvictedEvent(userId, outcome.evictedSessionIds, sessionId, at));
        this.events.publish(TokenTrackingEvents.REVOKED, new TokensRevokedEvent(userId, 'session', outcome.evictedSessionIds, 'evicted', null, at));
      }
    }
    const expiresAt = new Date(Math.max(...tokens.map((token) => token.expiresAt.getTime())));
    this.events.publish(TokenTrackingEvents.ISSUED, new TokenIssuedEvent(
      userId, sessionId, tokens.map((token) => token.jti), new Date(nowMs), expiresAt, where.clientIp, where.userAgent));
  }

  /** A refresh ended the session (reuse, idle, lifetime): refused here at once, and told. */
  private sessionEnded(presented: VerifiedToken, sessionId: string, reason: string, nowMs: number): void {
    this.revocations.sessionsRevoked([sessionId]);
    this.events.publish(TokenTrackingEvents.REVOKED, new TokensRevokedEvent(presented.userId, 'session', [sessionId], reason, null, new Date(nowMs)));
  }

  private assertTracking(): void {
    if (!this.options.trackUserTokens) throw new TrackingDisabledError();
  }
}

interface PreparedRequest {
  readonly userId: string;
  readonly data: Record<string, unknown>;
  readonly where: NormalizedIssueContext;
  readonly policy: SessionLimitPolicy;
}

function recordOf(token: GeneratedToken, accessJti: string | null): IssuedTokenRecord {
  return { jti: token.jti, tokenUse: token.tokenUse, issuedAt: token.issuedAt, expiresAt: token.expiresAt, keyId: token.keyId, accessJti };
}
