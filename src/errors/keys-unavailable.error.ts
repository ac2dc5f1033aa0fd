import { TokenTrackingError } from './token-tracking.error.js';

/** A verify-only instance could not fetch the issuer's JWKS to find a token's key (503). */
export class KeysUnavailableError extends TokenTrackingError {
  constructor(options?: { cause?: unknown }) {
    super('KEYS_UNAVAILABLE', undefined, options);
  }
}
