import { TokenTrackingError } from './token-tracking.error.js';

/**
 * A refresh token that had already been exchanged was presented again after
 * the grace period: a sign that it was copied. Its whole session has been
 * revoked; the user must log in again.
 */
export class RefreshTokenReusedError extends TokenTrackingError {
  readonly code = 'REFRESH_TOKEN_REUSED' as const;

  constructor() {
    super('refresh token reuse detected: the session has been revoked, log in again');
  }
}
