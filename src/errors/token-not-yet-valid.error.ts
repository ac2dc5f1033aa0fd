import { TokenTrackingError } from './token-tracking.error.js';

/** The token's `nbf` or `iat` lies ahead of this server's clock by more than `clockToleranceSeconds`. */
export class TokenNotYetValidError extends TokenTrackingError {
  constructor(message?: string) {
    super('TOKEN_NOT_YET_VALID', message);
  }
}
