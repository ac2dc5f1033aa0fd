import { HttpException, HttpStatus } from '@nestjs/common';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { ErrorPhase, httpStatusOf } from './http-error-status.js';

/** The JSON body of every error response this library produces. */
export interface TokenTrackingErrorBody {
  statusCode: number;
  /** Stable, machine-readable: branch on this, not on the message. */
  code: string;
  message: string;
  error: string;
}

/** A library error as an HTTP response with the right status and a stable `code`. */
export class TokenTrackingHttpException extends HttpException {
  constructor(readonly failure: TokenTrackingError, phase: ErrorPhase) {
    const status = httpStatusOf(failure, phase);
    const body: TokenTrackingErrorBody = {
      statusCode: status,
      code: failure.code,
      message: failure.message,
      error: HttpStatus[status]?.toString().replaceAll('_', ' ').toLowerCase().replace(/(^| )\w/g, (c) => c.toUpperCase()) ?? 'Error',
    };
    super(body, status, { cause: failure });
  }
}
