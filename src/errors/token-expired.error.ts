import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** The token's `exp` has passed. */
export class TokenExpiredError extends TokenTrackingError {
  readonly code = 'TOKEN_EXPIRED' as const;

  constructor(options?: { cause?: unknown }) {
    super(ErrorMessages.TOKEN_EXPIRED, options);
  }
}
