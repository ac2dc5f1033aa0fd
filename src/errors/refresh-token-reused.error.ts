import { TokenTrackingError } from './token-tracking.error.js';

/**
 * A refresh token that had already been exchanged was presented again after
 * the grace period: a sign that it was copied. Its whole session has been
 * revoked; the user must log in again.
 */
export class RefreshTokenReusedError extends TokenTrackingError {
  constructor() {
    super('REFRESH_TOKEN_REUSED');
  }
}
