import { TokenTrackingError } from './token-tracking.error.js';

/** The token's `aud` names none of the configured audiences. */
export class AudienceMismatchError extends TokenTrackingError {
  constructor() {
    super('AUDIENCE_INVALID');
  }
}
