import { SessionExpiredError } from '../errors/session-expired.error.js';
import { SessionIdleTimeoutError } from '../errors/session-idle-timeout.error.js';
import { TokenRevokedError } from '../errors/token-revoked.error.js';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { IDLE_REVOCATION_REASON } from '../lifecycle/idle-revocations.js';

/**
 * The error for a revoked session, by its revocation reason: a session that
 * timed out says so (idle, or past its absolute lifetime), so that its user
 * learns they must log in again because of time, not because of a logout.
 */
export function errorForRevocationReason(reason: string | null | undefined): TokenTrackingError {
  if (reason === IDLE_REVOCATION_REASON) return new SessionIdleTimeoutError();
  if (reason === 'max-lifetime') return new SessionExpiredError();
  return new TokenRevokedError();
}
