import { TokenStoreUnavailableError } from '../errors/token-store-unavailable.error.js';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { TimedOutError } from '../runtime/with-timeout.js';
import { sqlStateOf } from '../store/store-failure.js';

/** Ends every public cause: the detail is kept, where only operators read it. */
const SEE_THE_LOG = 'the cause is in the server log';

/**
 * A failure as a few stable words, for what the outside world reads (the
 * health answer, often public): a code, an SQLSTATE, never an address, a
 * connection string, SQL or a driver's message. The detail goes to the log.
 */
export function publicCauseOf(error: unknown): string {
  if (error instanceof TimedOutError) return `${error.message}; ${SEE_THE_LOG}`;
  if (error instanceof TokenStoreUnavailableError) return `the database could not be reached (STORE_UNAVAILABLE); ${SEE_THE_LOG}`;
  if (error instanceof TokenTrackingError) {
    const sqlState = sqlStateOf(error.cause);
    return `${error.code}${sqlState ? ` (SQLSTATE ${sqlState})` : ''}; ${SEE_THE_LOG}`;
  }
  return `an unexpected error; ${SEE_THE_LOG}`;
}
