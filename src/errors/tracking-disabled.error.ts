import { TokenTrackingError } from './token-tracking.error.js';

/** Counting, listing and capping sessions need `trackUserTokens: true` (501). */
export class TrackingDisabledError extends TokenTrackingError {
  constructor() {
    super('TRACKING_DISABLED');
  }
}
