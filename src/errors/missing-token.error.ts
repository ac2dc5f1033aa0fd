import { TokenTrackingError } from './token-tracking.error.js';

/** The request carries no token where one is required. */
export class MissingTokenError extends TokenTrackingError {
  constructor(message?: string) {
    super('TOKEN_MISSING', message);
  }
}
