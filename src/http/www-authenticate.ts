import { HttpStatus } from '@nestjs/common';
import { TokenTrackingError } from '../errors/token-tracking.error.js';

/**
 * The `WWW-Authenticate` value of RFC 6750 §3 for a 401: a bare `Bearer`
 * challenge when no token was sent, `error="invalid_token"` with the reason
 * otherwise. Other statuses carry no challenge.
 */
export function wwwAuthenticateChallenge(error: TokenTrackingError): string | null {
  if (error.getStatus() !== HttpStatus.UNAUTHORIZED) return null;
  if (error.code === 'TOKEN_MISSING') return 'Bearer';
  return `Bearer error="invalid_token", error_description="${error.message.replace(/["\\]/g, "'")}"`;
}

/** Sets a header on an Express or Fastify response. */
export function setResponseHeader(response: unknown, name: string, value: string): void {
  const target = response as { setHeader?: (name: string, value: string) => void; header?: (name: string, value: string) => void } | undefined;
  if (typeof target?.setHeader === 'function') target.setHeader(name, value);
  else if (typeof target?.header === 'function') target.header(name, value);
}
