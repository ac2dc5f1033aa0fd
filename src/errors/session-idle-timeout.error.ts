import { TokenTrackingError } from './token-tracking.error.js';

/** The session saw no use for longer than `sessionIdleTimeout` and was ended when it was next refreshed. */
export class SessionIdleTimeoutError extends TokenTrackingError {
  constructor() {
    super('SESSION_IDLE_TIMEOUT');
  }
}
