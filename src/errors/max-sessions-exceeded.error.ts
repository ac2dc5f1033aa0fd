import { TrackedSession } from '../store/tracked-session.js';
import { TokenTrackingError } from './token-tracking.error.js';

/**
 * A new session would take the user past `maxUserSessions` (409). Nothing
 * was recorded. `activeSessions` lists what holds the slots (never sent to
 * clients), so an application can offer, after re-authenticating the user,
 * to end one of them (`revokeUserSession`) or all of them, or retry with
 * `{ sessionLimitPolicy: 'evict-oldest' }`.
 */
export class MaxSessionsExceededError extends TokenTrackingError {
  constructor(readonly activeSessions: readonly TrackedSession[] = []) {
    super('MAX_SESSIONS_EXCEEDED');
  }
}
