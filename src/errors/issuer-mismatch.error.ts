import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** The token's `iss` is not the configured issuer. */
export class IssuerMismatchError extends TokenTrackingError {
  readonly code = 'ISSUER_INVALID' as const;

  constructor(options?: { cause?: unknown }) {
    super(ErrorMessages.ISSUER_INVALID, options);
  }
}
