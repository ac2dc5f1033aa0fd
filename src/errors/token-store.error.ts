import { TokenTrackingError } from './token-tracking.error.js';

/**
 * The database answered with an error that is not an outage (500): a bug,
 * a schema that does not match the migrations, a constraint. Logged with its
 * cause; never treated as "unavailable", so it never opens the
 * `accept-signed` path.
 */
export class TokenStoreError extends TokenTrackingError {
  constructor(options?: { cause?: unknown }) {
    super('STORE_ERROR', undefined, options);
  }
}
