import { TokenTrackingError } from './token-tracking.error.js';

/** A caller passed a value the library cannot accept; the message names it. */
export class InvalidArgumentError extends TokenTrackingError {
  readonly code = 'INVALID_ARGUMENT' as const;
}
