import { TokenTrackingError } from './token-tracking.error.js';

/** The token's `iss` is not the configured issuer. */
export class IssuerMismatchError extends TokenTrackingError {
  constructor() {
    super('ISSUER_INVALID');
  }
}
