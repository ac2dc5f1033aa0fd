import { ErrorMessages } from './error-catalog.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** A refresh token was presented as an access token, or the other way round. */
export class TokenTypeMismatchError extends TokenTrackingError {
  constructor(readonly expected: 'access' | 'refresh') {
    super('TOKEN_TYPE_INVALID', expected === 'access' ? ErrorMessages.ACCESS_TOKEN_EXPECTED : ErrorMessages.REFRESH_TOKEN_EXPECTED);
  }
}
