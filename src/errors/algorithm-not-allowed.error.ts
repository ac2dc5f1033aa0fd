import { TokenTrackingError } from './token-tracking.error.js';

/** The token's `alg` header is not the algorithm pinned for its key (this includes `none`). */
export class AlgorithmNotAllowedError extends TokenTrackingError {
  constructor() {
    super('ALGORITHM_NOT_ALLOWED');
  }
}
