import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** A new token would take the user past `maxUserSessions` active sessions. */
export class MaxSessionsExceededError extends TokenTrackingError {
  readonly code = 'MAX_SESSIONS_EXCEEDED' as const;

  constructor(options?: { cause?: unknown }) {
    super(ErrorMessages.MAX_SESSIONS_EXCEEDED, options);
  }
}
