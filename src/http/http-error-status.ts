import { HttpStatus } from '@nestjs/common';
import { TokenTrackingError } from '../errors/token-tracking.error.js';

/**
 * Where an error surfaced: while authenticating a request (every token
 * problem is then a 401), or while carrying out an operation (where a
 * revoked or expired session is a conflict with the state of the session).
 */
export type ErrorPhase = 'authentication' | 'operation';

/** The HTTP status of every error code, in one place. */
const STATUS_BY_CODE: Readonly<Record<string, HttpStatus>> = {
  TOKEN_MISSING: HttpStatus.UNAUTHORIZED,
  TOKEN_REVOKED: HttpStatus.UNAUTHORIZED,
  TOKEN_EXPIRED: HttpStatus.UNAUTHORIZED,
  TOKEN_NOT_YET_VALID: HttpStatus.UNAUTHORIZED,
  TOKEN_MALFORMED: HttpStatus.UNAUTHORIZED,
  TOKEN_TOO_LARGE: HttpStatus.UNAUTHORIZED,
  INVALID_SIGNATURE: HttpStatus.UNAUTHORIZED,
  ALGORITHM_NOT_ALLOWED: HttpStatus.UNAUTHORIZED,
  INVALID_CLAIMS: HttpStatus.UNAUTHORIZED,
  ISSUER_INVALID: HttpStatus.UNAUTHORIZED,
  AUDIENCE_INVALID: HttpStatus.UNAUTHORIZED,
  TOKEN_TYPE_INVALID: HttpStatus.UNAUTHORIZED,
  REFRESH_TOKEN_REUSED: HttpStatus.UNAUTHORIZED,
  ADMIN_ACCESS_DENIED: HttpStatus.FORBIDDEN,
  SESSION_NOT_FOUND: HttpStatus.NOT_FOUND,
  MAX_SESSIONS_EXCEEDED: HttpStatus.CONFLICT,
  INVALID_ARGUMENT: HttpStatus.BAD_REQUEST,
  TRACKING_DISABLED: HttpStatus.NOT_IMPLEMENTED,
  STORE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
};

const CONFLICTS_DURING_OPERATIONS = new Set(['TOKEN_REVOKED', 'TOKEN_EXPIRED']);

export function httpStatusOf(error: TokenTrackingError, phase: ErrorPhase): HttpStatus {
  if (phase === 'operation' && CONFLICTS_DURING_OPERATIONS.has(error.code)) return HttpStatus.CONFLICT;
  return STATUS_BY_CODE[error.code] ?? HttpStatus.INTERNAL_SERVER_ERROR;
}
