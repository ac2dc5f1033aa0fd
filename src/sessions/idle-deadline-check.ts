import { Inject, Injectable } from '@nestjs/common';
import { SessionIdleTimeoutError } from '../errors/session-idle-timeout.error.js';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable.error.js';
import { TokenRevokedError } from '../errors/token-revoked.error.js';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { SessionActivityRecorder } from '../lifecycle/session-activity-recorder.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { TokenIdentity, TokenStore } from '../store/token-store.interface.js';
import { errorForRevocationReason } from './session-ending.js';

/** Sessions whose last use or revocation reason is remembered; beyond this the oldest are forgotten. */
const MAX_REMEMBERED_SESSIONS = 100_000;

/**
 * With `sessionIdleTimeout`, refuses a session from its idle deadline on
 * (401 `SESSION_IDLE_TIMEOUT`), on every instance, without waiting for the
 * idle sweep.
 *
 * Most checks cost no query. A recorded last use only moves forward, and
 * every token's `iat` is one (the login or refresh that issued it), so a
 * session is certainly alive while its token is younger than the timeout,
 * or this process recorded a use of it, or read its last use, less than the
 * timeout ago. Otherwise (an access token that outlives the timeout, used
 * after a long pause here while other instances may have kept the session
 * in use) its last use is read, and if its deadline has passed the session
 * is refused and reported to the recorder, whose next write ends it as idle.
 *
 * A revoked session says why it ended: one that timed out answers
 * `SESSION_IDLE_TIMEOUT` whoever revoked it (sweep, refresh or late use).
 * The reason is read once per session and remembered.
 */
@Injectable()
export class IdleDeadlineCheck {
  private readonly idleMs: number | null;
  /** Per session: a last use read from the store, a lower bound of its real last use. */
  private readonly lastUseRead = new Map<string, number>();
  /** Per revoked session: why (a revocation's reason never changes). */
  private readonly reasons = new Map<string, string>();

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenStore) private readonly store: TokenStore,
    @Inject(SessionActivityRecorder) private readonly activity: SessionActivityRecorder,
  ) {
    const idleSeconds = options.trackUserTokens ? options.sessionIdleTimeoutSeconds : null;
    this.idleMs = idleSeconds === null ? null : idleSeconds * 1000;
  }

  /**
   * Throws `SessionIdleTimeoutError` when the token's session is past its
   * idle deadline. Answers at once (undefined) when no query is needed; a
   * Promise only when the session's last use must be read.
   */
  assertWithinDeadline(token: TokenIdentity): void | Promise<void> {
    if (this.idleMs === null || !this.store.lastActiveAtOf) return;
    const now = this.options.clock();
    const known = Math.max(
      token.issuedAt.getTime(),
      this.activity.recordedUseMs(token.sessionId) ?? -Infinity,
      this.lastUseRead.get(token.sessionId) ?? -Infinity,
    );
    if (now < known + this.idleMs) return;
    return this.checkLastUse(token, now, this.idleMs);
  }

  private async checkLastUse(token: TokenIdentity, now: number, idleMs: number): Promise<void> {
    const lastActiveAt = await this.readLastUse(token);
    // No such session in the store (never tracked, or purged): nothing here to time out.
    if (lastActiveAt === null) return;
    remember(this.lastUseRead, token.sessionId, lastActiveAt.getTime());
    if (now < lastActiveAt.getTime() + idleMs) return;
    this.activity.reportLateUse(token.sessionId);
    throw new SessionIdleTimeoutError();
  }

  /** The error for a token whose session the revocation check found revoked. */
  async revokedError(token: TokenIdentity): Promise<TokenTrackingError> {
    if (this.idleMs === null || !this.store.revocationReasonOf) return new TokenRevokedError();
    const known = this.reasons.get(token.sessionId);
    if (known !== undefined) return errorForRevocationReason(known);
    // The token is refused whatever the answer: a failure only loses the reason.
    const reason = await this.store.revocationReasonOf(token.userId, token.sessionId).catch(() => null);
    if (reason !== null) remember(this.reasons, token.sessionId, reason);
    return errorForRevocationReason(reason);
  }

  private async readLastUse(token: TokenIdentity): Promise<Date | null> {
    try {
      return await this.store.lastActiveAtOf!(token.userId, token.sessionId);
    } catch (error) {
      // As the revocation check does: the idle sweep then bounds how long an idle session lasts.
      if (error instanceof TokenStoreUnavailableError && this.options.whenStoreUnavailable === 'accept-signed') return null;
      throw error;
    }
  }
}

/** Sets a key as the most recent of a bounded map, forgetting the oldest beyond the bound. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_REMEMBERED_SESSIONS) map.delete(map.keys().next().value!);
}
