import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { TokenTrackingHttpException } from './token-tracking-http.exception.js';

/**
 * Turns errors of this library thrown by route handlers into responses with
 * the right status and a body with a stable `code` (for example a login at
 * the session cap becomes 409 MAX_SESSIONS_EXCEEDED). The library's
 * controllers use it; register it globally to cover your own routes too.
 */
@Catch(TokenTrackingError)
export class TokenTrackingExceptionFilter implements ExceptionFilter<TokenTrackingError> {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(error: TokenTrackingError, host: ArgumentsHost): void {
    const exception = new TokenTrackingHttpException(error, 'operation');
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), exception.getResponse(), exception.getStatus());
  }
}
