import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** A session query was made while `trackUserTokens` is off. */
export class TrackingDisabledError extends TokenTrackingError {
  readonly code = 'TRACKING_DISABLED' as const;

  constructor(options?: { cause?: unknown }) {
    super(ErrorMessages.TRACKING_DISABLED, options);
  }
}
