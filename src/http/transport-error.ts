import { ExecutionContext } from '@nestjs/common';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { loadOptionalPeer } from '../runtime/optional-peer.js';

type WsExceptionType = new (error: string | object) => Error;

let wsException: WsExceptionType | null = null;

/**
 * Loads `@nestjs/websockets`' WsException when the application has it, so
 * that a guard rejection in a gateway reaches the client as a WsException
 * (an HttpException there would be reported as "Internal server error").
 */
export async function loadTransportErrors(): Promise<void> {
  const websockets = await loadOptionalPeer<{ WsException: WsExceptionType }>('@nestjs/websockets');
  wsException = websockets?.WsException ?? null;
}

/** The error as the context's transport reports it: the same body `{ statusCode, code, message, error }` everywhere. */
export function errorForTransport(error: TokenTrackingError, context: ExecutionContext): Error {
  if (context.getType<string>() === 'ws' && wsException) return new wsException(error.getResponse() as object);
  return error;
}
