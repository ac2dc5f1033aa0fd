import { TokenTrackingError } from './token-tracking.error.js';

/** The module options (or the database schema) are unusable; thrown while the application boots. */
export class TokenTrackingConfigurationError extends TokenTrackingError {
  constructor(problem: string) {
    super('INVALID_CONFIGURATION', `TokenTrackingModule: ${problem}`);
  }
}
