import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { VerifiedToken } from '../jwt/token-claims.js';
import { requestOf } from './request-of-context.js';
import { VERIFIED_SESSION } from './session-key.js';

/**
 * The verified token of the request (user id, session id, jti, times,
 * `data`), as `TrackedJwtGuard` verified it, on HTTP routes, GraphQL
 * resolvers and WebSocket handlers alike. Undefined on public HTTP routes;
 * on a WebSocket, read it only in guarded handlers (a connection's object
 * keeps the last session a guarded message proved).
 * `request.user` is the same object, unless `resolveUser` made it the
 * application's user.
 *
 * ```ts
 * profile(@CurrentSession() session: VerifiedToken<{ role: string }>) { ... }
 * ```
 */
export const CurrentSession = createParamDecorator(
  (_: unknown, context: ExecutionContext): VerifiedToken | undefined =>
    requestOf(context)[VERIFIED_SESSION] as VerifiedToken | undefined,
);
