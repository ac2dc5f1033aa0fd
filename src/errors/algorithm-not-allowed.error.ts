import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** The token's `alg` header is not the configured algorithm (this includes `none`). */
export class AlgorithmNotAllowedError extends TokenTrackingError {
  readonly code = 'ALGORITHM_NOT_ALLOWED' as const;

  constructor(options?: { cause?: unknown }) {
    super(ErrorMessages.ALGORITHM_NOT_ALLOWED, options);
  }
}
