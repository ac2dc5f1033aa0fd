import { HttpStatus } from '@nestjs/common';

/**
 * Every error code of the library with its HTTP status and default message,
 * in one place. Codes are stable across releases: clients branch on them.
 */
export const ERROR_CATALOG = {
  MAX_SESSIONS_EXCEEDED: { status: HttpStatus.CONFLICT, message: 'maximum concurrent sessions exceeded' },
  ALREADY_REVOKED: { status: HttpStatus.CONFLICT, message: 'token is already revoked' },
  TOKEN_REVOKED: { status: HttpStatus.UNAUTHORIZED, message: 'token is already revoked' },
  TOKEN_EXPIRED: { status: HttpStatus.UNAUTHORIZED, message: 'token has expired' },
  TOKEN_NOT_YET_VALID: { status: HttpStatus.UNAUTHORIZED, message: 'token is not valid yet (nbf is in the future)' },
  TOKEN_MALFORMED: { status: HttpStatus.UNAUTHORIZED, message: 'invalid token: not a well-formed signed JWT' },
  TOKEN_TOO_LARGE: { status: HttpStatus.UNAUTHORIZED, message: 'token too large' },
  INVALID_SIGNATURE: { status: HttpStatus.UNAUTHORIZED, message: 'invalid token: signature verification failed' },
  ALGORITHM_NOT_ALLOWED: { status: HttpStatus.UNAUTHORIZED, message: 'invalid token: signing algorithm not allowed' },
  KEY_UNKNOWN: { status: HttpStatus.UNAUTHORIZED, message: 'invalid token: signed with an unknown key (kid)' },
  INVALID_CLAIMS: { status: HttpStatus.UNAUTHORIZED, message: 'invalid token: required claims are missing or malformed' },
  ISSUER_INVALID: { status: HttpStatus.UNAUTHORIZED, message: 'issuer validation failed' },
  AUDIENCE_INVALID: { status: HttpStatus.UNAUTHORIZED, message: 'audience validation failed' },
  TOKEN_TYPE_INVALID: { status: HttpStatus.UNAUTHORIZED, message: 'invalid token: wrong token type' },
  REFRESH_TOKEN_REUSED: {
    status: HttpStatus.UNAUTHORIZED,
    message: 'refresh token reuse detected: the session has been revoked, log in again',
  },
  SESSION_EXPIRED: {
    status: HttpStatus.UNAUTHORIZED,
    message: 'the session has reached its maximum lifetime; log in again',
  },
  SESSION_IDLE_TIMEOUT: {
    status: HttpStatus.UNAUTHORIZED,
    message: 'the session was idle for too long and has ended; log in again',
  },
  USER_REJECTED: { status: HttpStatus.UNAUTHORIZED, message: 'the token is valid but its user was not accepted' },
  TOKEN_MISSING: { status: HttpStatus.UNAUTHORIZED, message: 'no bearer token: send it as `Authorization: Bearer <token>`' },
  ADMIN_ACCESS_DENIED: { status: HttpStatus.FORBIDDEN, message: 'admin access denied' },
  SESSION_NOT_FOUND: { status: HttpStatus.NOT_FOUND, message: 'no active tracked session has this id' },
  INVALID_ARGUMENT: { status: HttpStatus.BAD_REQUEST, message: 'invalid argument' },
  TRACKING_DISABLED: {
    status: HttpStatus.NOT_IMPLEMENTED,
    message: 'user token tracking is not enabled (set trackUserTokens: true)',
  },
  ISSUING_DISABLED: {
    status: HttpStatus.NOT_IMPLEMENTED,
    message: 'this instance only verifies tokens: no signing key is configured',
  },
  STORE_UNAVAILABLE: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    message: 'the token store is unavailable; the request was refused rather than trusted',
  },
  KEYS_UNAVAILABLE: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    message: 'the verification keys could not be fetched (signing.jwksUrl); the request was refused rather than trusted',
  },
  STORE_ERROR: {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    message: 'the token store failed unexpectedly; the request was refused (see the server log)',
  },
  INVALID_CONFIGURATION: { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'invalid TokenTrackingModule configuration' },
  CROSS_SITE_REQUEST_REFUSED: {
    status: HttpStatus.FORBIDDEN,
    message: 'this route is authenticated by a cookie and only answers requests from the application\'s own pages',
  },
} as const satisfies Record<string, { status: HttpStatus; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** Extra messages used by several errors. */
export const ErrorMessages = {
  TOKEN_TOO_SMALL: 'invalid token: too short to be a JWT',
  TOKEN_ISSUED_IN_FUTURE: 'token is not valid yet (it was issued in the future: iat is ahead of this server\'s clock)',
  SESSION_STARTED_IN_FUTURE: 'token is not valid yet (its session began in the future: auth_time is ahead of this server\'s clock)',
  ACCESS_TOKEN_EXPECTED: 'invalid token: a refresh token cannot authenticate requests; send an access token',
  REFRESH_TOKEN_EXPECTED: 'invalid token: expected a refresh token',
  ADMIN_ACCESS_NOT_CONFIGURED:
    'admin routes refuse every request until an authorization hook is configured (adminRoutes.authorize)',
} as const;
