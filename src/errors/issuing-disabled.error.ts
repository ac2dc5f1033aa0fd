import { TokenTrackingError } from './token-tracking.error.js';

/** A verify-only instance (no signing key) was asked to issue a token (501). */
export class IssuingDisabledError extends TokenTrackingError {
  constructor() {
    super('ISSUING_DISABLED');
  }
}
