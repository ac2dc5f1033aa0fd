import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { IS_PUBLIC_ROUTE } from './public.decorator.js';
import { TokenTrackingHttpException } from './token-tracking-http.exception.js';
import { TRACKED_JWT_STRATEGY } from './tracked-jwt.strategy.js';
import { wwwAuthenticateChallenge } from './www-authenticate.js';

/** Marks a request already authenticated, so a route guard after a global one costs nothing. */
const AUTHENTICATED = Symbol('token-tracking:authenticated');

/**
 * `@UseGuards(TrackedJwtGuard)`, or globally as `APP_GUARD` with `@Public()`
 * on open routes. Rejects missing, forged, expired and revoked tokens with a
 * 401 whose body carries a stable `code` and whose `WWW-Authenticate` header
 * follows RFC 6750; answers 503 when revocation cannot be checked.
 * The verified session is on `request.user` (see `@CurrentSession()`).
 */
@Injectable()
export class TrackedJwtGuard extends AuthGuard(TRACKED_JWT_STRATEGY) {
  constructor(@Inject(Reflector) protected readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublicRoute(context)) return true;
    const request = context.switchToHttp().getRequest<Record<symbol, unknown>>();
    if (request[AUTHENTICATED]) return true;
    await super.canActivate(context);
    request[AUTHENTICATED] = true;
    return true;
  }

  override handleRequest<TUser>(error: unknown, user: TUser, info: unknown, context: ExecutionContext): TUser {
    if (user && !error) return user;
    const failure = error ?? info;
    if (!(failure instanceof TokenTrackingError)) throw failure;
    const exception = new TokenTrackingHttpException(failure, 'authentication');
    const challenge = wwwAuthenticateChallenge(failure, exception.getStatus());
    if (challenge) this.setHeader(context, 'WWW-Authenticate', challenge);
    throw exception;
  }

  protected isPublicRoute(context: ExecutionContext): boolean {
    return this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, [context.getHandler(), context.getClass()]) === true;
  }

  private setHeader(context: ExecutionContext, name: string, value: string): void {
    const response = context.switchToHttp().getResponse<{
      setHeader?: (name: string, value: string) => void;
      header?: (name: string, value: string) => void;
    }>();
    if (typeof response.setHeader === 'function') response.setHeader(name, value);
    else response.header?.(name, value);
  }
}
