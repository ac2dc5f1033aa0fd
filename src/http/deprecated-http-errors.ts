import { HttpException, HttpStatus } from '@nestjs/common';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { warnDeprecatedOnce } from '../options/deprecation-warning.js';

/**
 * 0.1 turned library errors into HTTP answers with these two; since 0.2.0
 * every library error is an `HttpException` with its status already, so
 * both only hand that on. Refused (removed) from 0.4.0 on.
 */
const REMOVAL = 'it will be removed in 0.4.0 (see docs/upgrading.md)';

/** @deprecated Since 0.2.0: every library error is an `HttpException`; use `error.getStatus()`. */
export function httpStatusOf(error: TokenTrackingError, _phase?: 'authentication' | 'operation'): HttpStatus {
  warnDeprecatedOnce('httpStatusOf', `httpStatusOf is deprecated: library errors are HttpExceptions, use error.getStatus(); ${REMOVAL}`);
  return error.getStatus();
}

/** @deprecated Since 0.2.0: every library error is an `HttpException`; throw the error itself. */
export class TokenTrackingHttpException extends HttpException {
  constructor(readonly failure: TokenTrackingError, _phase?: 'authentication' | 'operation') {
    super(failure.getResponse(), failure.getStatus(), { cause: failure });
    warnDeprecatedOnce(
      'TokenTrackingHttpException',
      `TokenTrackingHttpException is deprecated: library errors are HttpExceptions, throw the error itself; ${REMOVAL}`,
    );
  }
}
