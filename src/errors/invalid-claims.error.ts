import { TokenTrackingError } from './token-tracking.error.js';

/**
 * A claim this library relies on (`sub`, `jti`, `sid`, `iat`, `exp`, `nbf`,
 * `auth_time`, `data`) is missing, of the wrong type, or outside what can be
 * represented (dates after 9999, ids too long or with characters that cannot
 * be stored).
 */
export class InvalidClaimsError extends TokenTrackingError {
  constructor(message?: string) {
    super('INVALID_CLAIMS', message);
  }
}
