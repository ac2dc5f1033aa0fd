import { Inject, Injectable } from '@nestjs/common';
import { AlreadyRevokedError } from '../errors/already-revoked.error.js';
import { SessionNotFoundError } from '../errors/session-not-found.error.js';
import { TokenExpiredError } from '../errors/token-expired.error.js';
import { TrackingDisabledError } from '../errors/tracking-disabled.error.js';
import { TokenEventPublisher } from '../events/token-event-publisher.js';
import { RevocationScope, TokensRevokedEvent, TokenTrackingEvents } from '../events/token-tracking.events.js';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { TokenVerifier } from '../jwt/token-verifier.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { RevocationStamp, SessionRevocationOutcome, TokenStore } from '../store/token-store.interface.js';
import { actorOf, assertDate, assertId, assertUserId, reasonOf } from '../validation/argument-checks.js';
import { RevocationChecker } from './revocation-checker.js';
import { revocationStamp } from './revocation-stamp.js';

/** Why and by whom, recorded with a revocation and passed to its event. */
export interface RevokeOptions {
  /** Short reason code stored with the revocation, at most 64 characters. */
  reason?: string;
  /** Who asked: an admin's id, "system", ... (events only). */
  actor?: string;
}

/**
 * Every way of revoking: one token or session, a user's own session, all
 * of a user's other sessions, all of a user's tokens. Each revocation is
 * applied to this instance's replica before the call returns and reaches
 * the other instances by NOTIFY.
 */
@Injectable()
export class TokenRevoker {
  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenStore) private readonly store: TokenStore,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(RevocationChecker) private readonly revocations: RevocationChecker,
    @Inject(TokenEventPublisher) private readonly events: TokenEventPublisher,
  ) {}

  /**
   * A token (verified first, so a forged one writes nothing; an expired one
   * is `TokenExpiredError`), or the jti or session id of a tracked session.
   * A tracked token takes its whole session with it.
   */
  async revokeToken(tokenOrId: string, options?: RevokeOptions): Promise<void> {
    const reason = reasonOf(options, 'revoked');
    const actor = actorOf(options);
    if (typeof tokenOrId === 'string' && tokenOrId.includes('.')) {
      const verified = await this.verifier.verify(tokenOrId);
      const stamp = this.stamp(reason);
      // The token's own session, of its own user: never another one its jti might name.
      const outcome = await this.store.revokeSession({ ...stamp, id: verified.sessionId, sessionIdOnly: true, ownerUserId: verified.userId });
      if (outcome.status !== 'not-found') {
        this.settle(outcome, stamp, actor);
        return;
      }
      await this.deny(verified.jti, verified.userId, verified.issuedAt, verified.expiresAt, stamp, actor);
      return;
    }
    assertId(tokenOrId, 'jti or session id');
    const stamp = this.stamp(reason);
    this.settle(await this.store.revokeSession({ ...stamp, id: tokenOrId }), stamp, actor);
  }

  /**
   * A token known only by its jti and expiry (issued while tracking was
   * off, say): its session when it is tracked, otherwise a deny-list entry
   * kept until `expiresAt`.
   */
  async revokeTokenById(jti: string, expiresAt: Date, options?: RevokeOptions): Promise<void> {
    assertId(jti, 'jti');
    assertDate(expiresAt, 'expiresAt');
    const actor = actorOf(options);
    const stamp = this.stamp(reasonOf(options, 'revoked'));
    const outcome = await this.store.revokeSession({ ...stamp, id: jti });
    if (outcome.status !== 'not-found') {
      this.settle(outcome, stamp, actor);
      return;
    }
    if (expiresAt.getTime() <= stamp.expiredBy.getTime()) throw new TokenExpiredError();
    await this.deny(jti, null, null, expiresAt, stamp, actor);
  }

  /** One of the user's own sessions; anything that is not theirs is `SessionNotFoundError`, whoever owns it. */
  async revokeUserSession(userId: string, sessionIdOrJti: string, options?: RevokeOptions): Promise<void> {
    assertUserId(userId);
    assertId(sessionIdOrJti, 'session id');
    const actor = actorOf(options);
    const stamp = this.stamp(reasonOf(options, 'revoked'));
    this.settle(await this.store.revokeSession({ ...stamp, id: sessionIdOrJti, ownerUserId: userId }), stamp, actor);
  }

  /** Every live session of the user but `currentSessionId` ("log out my other devices"). Returns how many. */
  async revokeOtherUserSessions(userId: string, currentSessionId: string, options?: RevokeOptions): Promise<number> {
    if (!this.options.trackUserTokens) throw new TrackingDisabledError();
    assertUserId(userId);
    assertId(currentSessionId, 'session id');
    const actor = actorOf(options);
    const stamp = this.stamp(reasonOf(options, 'revoke-others'));
    const { sessionIds } = await this.store.revokeOtherSessions(userId, currentSessionId, stamp);
    this.revocations.sessionsRevoked(sessionIds);
    this.publish(userId, 'other-sessions', sessionIds, stamp, actor);
    return sessionIds.length;
  }

  /** Every token of the user issued up to now, tracked or not. Returns how many live sessions it ended. */
  async revokeAllUserTokens(userId: string, options?: RevokeOptions): Promise<number> {
    assertUserId(userId);
    const actor = actorOf(options);
    const stamp = this.stamp(reasonOf(options, 'revoke-all'));
    const { sessionIds } = await this.store.revokeAllForUser(userId, stamp);
    this.revocations.watermarkRaised(userId, stamp.at);
    this.revocations.sessionsRevoked(sessionIds);
    this.publish(userId, 'all', sessionIds, stamp, actor);
    return sessionIds.length;
  }

  private async deny(jti: string, userId: string | null, issuedAt: Date | null, expiresAt: Date, stamp: RevocationStamp, actor: string | null): Promise<void> {
    const result = await this.store.denyToken({ jti, userId, issuedAt, expiresAt, at: stamp.at, reason: stamp.reason });
    if (result === 'already-revoked') throw new AlreadyRevokedError();
    this.revocations.tokenDenied(jti, expiresAt, userId);
    this.publish(userId, 'token', [], stamp, actor);
  }

  /** Turns a session revocation's outcome into the caller's answer. */
  private settle(outcome: SessionRevocationOutcome, stamp: RevocationStamp, actor: string | null): void {
    switch (outcome.status) {
      case 'revoked':
        this.revocations.sessionsRevoked([outcome.sessionId]);
        this.publish(outcome.userId, 'session', [outcome.sessionId], stamp, actor);
        return;
      case 'already-revoked':
        throw new AlreadyRevokedError();
      case 'expired':
        throw new SessionNotFoundError('the session has already expired: there is nothing left to revoke');
      case 'not-found':
        throw new SessionNotFoundError();
    }
  }

  private publish(userId: string | null, scope: RevocationScope, sessionIds: readonly string[], stamp: RevocationStamp, actor: string | null): void {
    this.events.publish(TokenTrackingEvents.REVOKED, new TokensRevokedEvent(userId, scope, sessionIds, stamp.reason, actor, stamp.at));
  }

  private stamp(reason: string): RevocationStamp {
    return revocationStamp(this.options, reason);
  }
}
