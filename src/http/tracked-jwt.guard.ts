import { ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { IS_PUBLIC_ROUTE } from './public.decorator.js';
import { AuthenticatedRequest, requestOf } from './request-of-context.js';
import { VERIFIED_SESSION } from './session-key.js';
import { TRACKED_JWT_STRATEGY, TRACKED_JWT_STRATEGY_NAME } from './tracked-jwt-strategy-name.js';
import { errorForTransport } from './transport-error.js';
import { setResponseHeader, wwwAuthenticateChallenge } from './www-authenticate.js';

/**
 * Marks a request already authenticated, so a route guard after a global one
 * costs nothing. Not on WebSocket connections, whose every message is verified.
 */
const AUTHENTICATED = Symbol.for('nestjs-token-tracking:authenticated');

/**
 * `@UseGuards(TrackedJwtGuard)`, or globally as `APP_GUARD` with `@Public()`
 * on open routes. Works on HTTP routes (Express, Fastify), GraphQL resolvers
 * and WebSocket gateways (see `requestOf`). Rejects missing, forged, expired
 * and revoked tokens with a 401 whose body carries a stable `code` and whose
 * `WWW-Authenticate` header follows RFC 6750; answers 503 when revocation
 * cannot be checked. The verified token is behind `@CurrentSession()`.
 */
@Injectable()
export class TrackedJwtGuard extends AuthGuard() {
  /**
   * `strategyName`: the strategy of the module instance in this guard's
   * scope (each application in a process has its own); a subclass that
   * does not pass it gets the first one, `tracked-jwt`.
   */
  constructor(
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Optional() @Inject(TRACKED_JWT_STRATEGY_NAME) strategyName?: string,
  ) {
    super({ defaultStrategy: strategyName ?? TRACKED_JWT_STRATEGY });
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublicRoute(context)) return true;
    const request = this.getRequest(context);
    const once = context.getType<string>() === 'http' || context.getType<string>() === 'graphql';
    if (once && request[AUTHENTICATED]) return true;
    // A connection's earlier verdict must not outlive this message's.
    if (!once) delete request[VERIFIED_SESSION];
    await super.canActivate(context);
    if (once) request[AUTHENTICATED] = true;
    return true;
  }

  /** The request on any transport; override to find it elsewhere. */
  override getRequest(context: ExecutionContext): AuthenticatedRequest {
    return requestOf(context);
  }

  getResponse(context: ExecutionContext): unknown {
    return context.getType() === 'http' ? context.switchToHttp().getResponse() : undefined;
  }

  override handleRequest<TUser>(error: unknown, user: TUser, info: unknown, context: ExecutionContext): TUser {
    if (user && !error) return user;
    const failure = error ?? info;
    if (!(failure instanceof TokenTrackingError)) throw failure;
    const challenge = wwwAuthenticateChallenge(failure);
    if (challenge && context.getType() === 'http') setResponseHeader(context.switchToHttp().getResponse(), 'WWW-Authenticate', challenge);
    throw errorForTransport(failure, context);
  }

  protected isPublicRoute(context: ExecutionContext): boolean {
    return this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, [context.getHandler(), context.getClass()]) === true;
  }
}
