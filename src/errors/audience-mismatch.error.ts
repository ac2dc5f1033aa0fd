import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** The token's `aud` does not include the configured audience. */
export class AudienceMismatchError extends TokenTrackingError {
  readonly code = 'AUDIENCE_INVALID' as const;

  constructor(options?: { cause?: unknown }) {
    super(ErrorMessages.AUDIENCE_INVALID, options);
  }
}
