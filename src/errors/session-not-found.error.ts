import { TokenTrackingError } from './token-tracking.error.js';

/**
 * No active tracked session has this id or jti (404): unknown, expired, or
 * (for a user-scoped call) not the user's — which it is, is not told.
 */
export class SessionNotFoundError extends TokenTrackingError {
  constructor(message?: string) {
    super('SESSION_NOT_FOUND', message);
  }
}
