import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** The database could not be reached or failed; the operation failed closed. */
export class TokenStoreUnavailableError extends TokenTrackingError {
  readonly code = 'STORE_UNAVAILABLE' as const;

  constructor(options?: { cause?: unknown }) {
    super(ErrorMessages.STORE_UNAVAILABLE, options);
  }
}
