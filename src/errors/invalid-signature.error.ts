import { TokenTrackingError } from './token-tracking.error.js';

/** The signature does not match: the token was altered or signed with another key. */
export class InvalidSignatureError extends TokenTrackingError {
  constructor() {
    super('INVALID_SIGNATURE');
  }
}
