import { TokenStoreUnavailableError } from '../errors/token-store-unavailable.error.js';
import { TokenTrackingError } from '../errors/token-tracking.error.js';

/**
 * True for a verdict on the token itself (a 401 the client can act on);
 * false for any other failure (the store is down or failed, a bug), which
 * the guard reports as an error, so that the answer is 503 or 500, not 401.
 */
export function isTokenRefusal(error: unknown): error is TokenTrackingError {
  return error instanceof TokenTrackingError && error.getStatus() === 401 && !(error instanceof TokenStoreUnavailableError);
}
