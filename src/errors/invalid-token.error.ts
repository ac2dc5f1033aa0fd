import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** The input is not a compact, signed JWT (wrong shape, bad base64url or JSON, too short). */
export class InvalidTokenError extends TokenTrackingError {
  readonly code = 'TOKEN_MALFORMED' as const;

  constructor(message: string = ErrorMessages.TOKEN_MALFORMED, options?: { cause?: unknown }) {
    super(message, options);
  }
}
