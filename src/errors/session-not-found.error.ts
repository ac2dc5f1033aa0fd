import { TokenTrackingError } from './token-tracking.error.js';

/** No tracked session has this jti (or, for a user-scoped call, none of the user's). */
export class SessionNotFoundError extends TokenTrackingError {
  readonly code = 'SESSION_NOT_FOUND' as const;

  constructor(
    message = 'no tracked session has this jti; to revoke a token that was not tracked, pass the token itself or use revokeTokenById(jti, expiresAt)',
  ) {
    super(message);
  }
}
