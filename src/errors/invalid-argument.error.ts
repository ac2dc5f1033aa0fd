import { TokenTrackingError } from './token-tracking.error.js';

/** A caller passed a value the library cannot accept (400); the message names it and says what it must be. */
export class InvalidArgumentError extends TokenTrackingError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}
