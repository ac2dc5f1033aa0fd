import { TokenRevokedError } from './token-revoked.error.js';

/**
 * A revocation found its target already revoked (409 ALREADY_REVOKED): the
 * state conflicts with the request and nothing changed. It is a
 * `TokenRevokedError`, so code that catches that catches this too.
 */
export class AlreadyRevokedError extends TokenRevokedError {
  constructor() {
    super(undefined, 'ALREADY_REVOKED');
  }
}
