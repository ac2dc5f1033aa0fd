import { TokenTrackingError } from './token-tracking.error.js';

/** The input is not a compact, signed JWT (wrong shape, bad base64url or JSON, too short). */
export class InvalidTokenError extends TokenTrackingError {
  constructor(message?: string) {
    super('TOKEN_MALFORMED', message);
  }
}
