import { TokenTrackingError } from './token-tracking.error.js';

/** The token's `exp` has passed (beyond `clockToleranceSeconds`). */
export class TokenExpiredError extends TokenTrackingError {
  constructor() {
    super('TOKEN_EXPIRED');
  }
}
