import { TokenTrackingError } from './token-tracking.error.js';

/** The token's `kid` names no configured key (or it has none while several keys are configured). */
export class UnknownKeyError extends TokenTrackingError {
  constructor() {
    super('KEY_UNKNOWN');
  }
}
