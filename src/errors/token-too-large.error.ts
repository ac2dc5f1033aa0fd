import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** The token is longer than `maxTokenSize`. */
export class TokenTooLargeError extends TokenTrackingError {
  readonly code = 'TOKEN_TOO_LARGE' as const;

  constructor(options?: { cause?: unknown }) {
    super(ErrorMessages.TOKEN_TOO_LARGE, options);
  }
}
