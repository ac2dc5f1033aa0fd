import { TokenTrackingError } from './token-tracking.error.js';

/** The admin routes' authorization hook refused the request, or none is configured (403). */
export class AdminAccessDeniedError extends TokenTrackingError {
  constructor(message?: string) {
    super('ADMIN_ACCESS_DENIED', message);
  }
}
