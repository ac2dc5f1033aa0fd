import { TokenTrackingError } from './token-tracking.error.js';

/** The module options are unusable; thrown while the application boots. */
export class TokenTrackingConfigurationError extends TokenTrackingError {
  readonly code = 'INVALID_CONFIGURATION' as const;

  constructor(problem: string) {
    super(`TokenTrackingModule: ${problem}`);
  }
}
