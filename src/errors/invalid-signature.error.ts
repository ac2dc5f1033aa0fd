import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** The signature does not match: the token was altered or signed with another key. */
export class InvalidSignatureError extends TokenTrackingError {
  readonly code = 'INVALID_SIGNATURE' as const;

  constructor(options?: { cause?: unknown }) {
    super(ErrorMessages.INVALID_SIGNATURE, options);
  }
}
