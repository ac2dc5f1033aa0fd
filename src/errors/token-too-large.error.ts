import { TokenTrackingError } from './token-tracking.error.js';

/** The token is longer than `maxTokenSize`. */
export class TokenTooLargeError extends TokenTrackingError {
  constructor() {
    super('TOKEN_TOO_LARGE');
  }
}
