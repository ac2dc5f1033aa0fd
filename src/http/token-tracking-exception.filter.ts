import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { setResponseHeader, wwwAuthenticateChallenge } from './www-authenticate.js';

/**
 * Library errors are `HttpException`s and answer with their status and
 * `{ statusCode, code, message, error }` without any filter. This filter
 * adds what Nest's default handling cannot: the RFC 6750
 * `WWW-Authenticate` header on every 401 (a refresh with a bad token in your
 * own route, say). The library's controllers use it; register it globally
 * to cover your routes too. On HTTP only; other transports get the error back.
 */
@Catch(TokenTrackingError)
export class TokenTrackingExceptionFilter implements ExceptionFilter<TokenTrackingError> {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(error: TokenTrackingError, host: ArgumentsHost): unknown {
    if (host.getType() !== 'http') return error;
    const response = host.switchToHttp().getResponse();
    const challenge = wwwAuthenticateChallenge(error);
    if (challenge) setResponseHeader(response, 'WWW-Authenticate', challenge);
    this.adapterHost.httpAdapter.reply(response, error.getResponse(), error.getStatus());
    return undefined;
  }
}
