import { TokenTrackingError } from './token-tracking.error.js';

/** `resolveUser` returned nothing for a valid token (the user was deleted or disabled, say). */
export class UserRejectedError extends TokenTrackingError {
  constructor(message?: string) {
    super('USER_REJECTED', message);
  }
}
