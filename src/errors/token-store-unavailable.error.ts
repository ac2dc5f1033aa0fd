import { TokenTrackingError } from './token-tracking.error.js';

/**
 * The database could not be reached (503): connection refused, reset or
 * timed out, pool exhausted, server shutting down or starting up, statement
 * timeout. Only this error lets `whenStoreUnavailable: 'accept-signed'` skip
 * a revocation check.
 */
export class TokenStoreUnavailableError extends TokenTrackingError {
  constructor(options?: { cause?: unknown }) {
    super('STORE_UNAVAILABLE', undefined, options);
  }
}
