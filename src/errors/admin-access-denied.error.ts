import { ErrorMessages } from './error-messages.js';
import { TokenTrackingError } from './token-tracking.error.js';

/** The admin routes' authorization hook refused the request, or none is configured. */
export class AdminAccessDeniedError extends TokenTrackingError {
  readonly code = 'ADMIN_ACCESS_DENIED' as const;

  constructor(message: string = ErrorMessages.ADMIN_ACCESS_DENIED) {
    super(message);
  }
}
