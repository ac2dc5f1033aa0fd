import { TokenTrackingError } from './token-tracking.error.js';

/** The session is older than `sessionMaxLifetime`: none of its tokens is accepted or refreshed any more. */
export class SessionExpiredError extends TokenTrackingError {
  constructor() {
    super('SESSION_EXPIRED');
  }
}
