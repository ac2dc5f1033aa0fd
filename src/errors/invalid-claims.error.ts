import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** A registered claim this library relies on (`sub`, `jti`, `iat`, `exp`) is missing or of the wrong type. */
export class InvalidClaimsError extends TokenTrackingError {
  readonly code = 'INVALID_CLAIMS' as const;

  constructor(options?: { cause?: unknown }) {
    super(ErrorMessages.INVALID_CLAIMS, options);
  }
}
