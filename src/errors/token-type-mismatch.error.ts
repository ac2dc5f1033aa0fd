import { TokenTrackingError } from './token-tracking.error.js';

/** A refresh token was presented where an access token is needed, or the reverse. */
export class TokenTypeMismatchError extends TokenTrackingError {
  readonly code = 'TOKEN_TYPE_INVALID' as const;

  constructor(expected: 'access' | 'refresh') {
    super(
      expected === 'access'
        ? 'invalid token: a refresh token cannot authenticate requests; exchange it with refresh()'
        : 'invalid token: expected a refresh token',
    );
  }
}
