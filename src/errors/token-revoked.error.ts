import { TokenTrackingError } from './token-tracking.error.js';

/**
 * The token, its session, or every token of its user was revoked (401 when
 * presented). Its subclass `AlreadyRevokedError` (409) is thrown when asked
 * to revoke what is already revoked.
 */
export class TokenRevokedError extends TokenTrackingError {
  constructor(message?: string, code: 'TOKEN_REVOKED' | 'ALREADY_REVOKED' = 'TOKEN_REVOKED') {
    super(code, message);
  }
}
