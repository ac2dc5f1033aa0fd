import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** The token's `nbf` is still in the future. */
export class TokenNotYetValidError extends TokenTrackingError {
  readonly code = 'TOKEN_NOT_YET_VALID' as const;

  constructor(options?: { cause?: unknown }) {
    super(ErrorMessages.TOKEN_NOT_YET_VALID, options);
  }
}
