import { HttpStatus } from '@nestjs/common';
import { TokenTrackingError } from '../errors/token-tracking.error.js';

/**
 * The `WWW-Authenticate` value of RFC 6750 §3 for a 401: a bare `Bearer`
 * challenge when no token was sent, `error="invalid_token"` with the reason
 * otherwise. Other statuses carry no challenge.
 */
export function wwwAuthenticateChallenge(error: TokenTrackingError, status: number): string | null {
  if (status !== HttpStatus.UNAUTHORIZED) return null;
  if (error.code === 'TOKEN_MISSING') return 'Bearer';
  return `Bearer error="invalid_token", error_description="${error.message.replace(/["\\]/g, "'")}"`;
}
