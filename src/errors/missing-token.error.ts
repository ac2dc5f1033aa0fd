import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** The request carries no token where one is required. */
export class MissingTokenError extends TokenTrackingError {
  readonly code = 'TOKEN_MISSING' as const;

  constructor() {
    super(ErrorMessages.TOKEN_MISSING);
  }
}
