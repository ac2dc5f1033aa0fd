import { TokenEventPublisher } from '../events/token-event-publisher.js';
import { TokensRevokedEvent, TokenTrackingEvents } from '../events/token-tracking.events.js';
import { RevocationChecker } from '../revocation/revocation-checker.js';
import { IdleSessionsRevoked, RevocationStamp } from '../store/token-store.interface.js';

/** The revocation reason of a session ended as idle (by the sweep, a refresh, or a use after its deadline). */
export const IDLE_REVOCATION_REASON = 'idle-timeout';

/** Sessions this instance ended as idle: refused here at once, and one event per user. */
export function announceIdleRevocations(
  revocations: RevocationChecker,
  events: TokenEventPublisher,
  { sessions }: IdleSessionsRevoked,
  stamp: RevocationStamp,
): void {
  revocations.sessionsRevoked(sessions.map((session) => session.sessionId));
  const byUser = new Map<string, string[]>();
  for (const { userId, sessionId } of sessions) byUser.set(userId, [...(byUser.get(userId) ?? []), sessionId]);
  for (const [userId, sessionIds] of byUser) {
    events.publish(TokenTrackingEvents.REVOKED, new TokensRevokedEvent(userId, 'session', sessionIds, stamp.reason, null, stamp.at));
  }
}
