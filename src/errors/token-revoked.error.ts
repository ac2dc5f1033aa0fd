import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** The token was revoked, alone or with all of its user's tokens; also thrown when revoking it again. */
export class TokenRevokedError extends TokenTrackingError {
  readonly code = 'TOKEN_REVOKED' as const;

  constructor(options?: { cause?: unknown }) {
    super(ErrorMessages.TOKEN_REVOKED, options);
  }
}
