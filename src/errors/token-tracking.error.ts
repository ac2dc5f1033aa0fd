import { HttpException, HttpStatus } from '@nestjs/common';
import { ERROR_CATALOG, ErrorCode } from './error-catalog.js';

/** The JSON body of every error response this library produces. */
export interface TokenTrackingErrorBody {
  statusCode: number;
  /** Stable, machine-readable: branch on this, not on the message. */
  code: string;
  message: string;
  error: string;
}

/**
 * Base class of every error this library throws. Each is an `HttpException`
 * with the status of its code (see `ERROR_CATALOG`), so it reaches clients
 * with the right status and a body carrying the stable `code` whether or not
 * the application registered any exception filter.
 */
export abstract class TokenTrackingError extends HttpException {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    const { status, message: defaultMessage } = ERROR_CATALOG[code];
    const text = message ?? defaultMessage;
    const body: TokenTrackingErrorBody = { statusCode: status, code, message: text, error: reasonPhrase(status) };
    super(body, status, options);
    this.code = code;
    this.message = text;
    this.name = new.target.name;
  }
}

/** "Service Unavailable" for 503, from Nest's own status enum. */
function reasonPhrase(status: HttpStatus): string {
  return (HttpStatus[status] ?? 'Error')
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}
