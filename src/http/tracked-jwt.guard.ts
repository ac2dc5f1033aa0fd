import { IncomingMessage } from 'node:http';
import { ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { MissingTokenError } from '../errors/missing-token.error.js';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { IS_PUBLIC_ROUTE } from './public.decorator.js';
import { AuthenticatedRequest, requestOf } from './request-of-context.js';
import { VERIFIED_SESSION } from './session-key.js';
import { isTokenRefusal } from './token-refusal.js';
import { registeredStrategy, TRACKED_JWT_STRATEGY, TRACKED_JWT_STRATEGY_NAME } from './tracked-jwt-strategy-name.js';
import { TrackedJwtStrategy } from './tracked-jwt.strategy.js';
import { errorForTransport } from './transport-error.js';
import { setResponseHeader, wwwAuthenticateChallenge } from './www-authenticate.js';

/**
 * What a strategy proved last, and for which request: the user, and the
 * session `@CurrentSession()` reads. `request` is null until a proof.
 */
interface LastProof {
  request: object | null;
  user: unknown;
  session: unknown;
}

/**
 * Per strategy name (one per module instance): what its strategy proved
 * last, so that a route guard after a global one does not verify the same
 * request's token again. The later guard puts the session back on the
 * request (another module instance's guard may have replaced or removed
 * it) and still gives the user to its own `handleRequest`, which may
 * refuse it (a role check in a subclass). Only the strategy's successes
 * are kept, never what a `handleRequest` let through without one (optional
 * authentication); only for requests that live for one operation (see
 * `isOneRequest`). Per strategy, because two module instances in one
 * application guard their routes with different keys, audiences or
 * extractors.
 *
 * One proof, the last, rather than one per request: a request's guards run
 * one after the other, so the later one nearly always finds the earlier
 * one's proof; when another request was verified in between, the later
 * guard verifies again, as it would with no proof. A map keyed by request
 * (a WeakMap) cost more than the verification it saved, and a property of
 * the request costs as much (its shape is new to V8 on every request).
 * Shared through the global symbol registry, as the strategy names are
 * through Passport's, by every copy of the library in the process
 * (CommonJS and ESM).
 */
const LAST_PROOFS: Map<string, LastProof> = ((globalThis as Record<symbol, Map<string, LastProof> | undefined>)[Symbol.for('nestjs-token-tracking:last-proof-by-strategy')] ??= new Map());

function lastProofOf(strategyName: string): LastProof {
  let proof = LAST_PROOFS.get(strategyName);
  if (!proof) LAST_PROOFS.set(strategyName, (proof = { request: null, user: undefined, session: undefined }));
  return proof;
}

const PassportAuthGuard = AuthGuard();

/**
 * `@UseGuards(TrackedJwtGuard)`, or globally as `APP_GUARD` with `@Public()`
 * on open routes. Works on HTTP routes (Express, Fastify), GraphQL resolvers
 * and WebSocket gateways (see `requestOf`). Rejects missing, forged, expired
 * and revoked tokens with a 401 whose body carries a stable `code` and whose
 * `WWW-Authenticate` header follows RFC 6750; answers 503 when revocation
 * cannot be checked. The verified token is behind `@CurrentSession()`.
 *
 * An `AuthGuard` of `@nestjs/passport` whose hooks (`getRequest`,
 * `handleRequest`, `isPublicRoute`) are called as Passport would call them,
 * but which calls its module's `TrackedJwtStrategy` itself: Passport's
 * per-request work (the strategy's lookup, a copy of it and the closures of
 * `passport.authenticate`, the request's `logIn`/`isAuthenticated` methods)
 * would cost more than the whole revocation check. A subclass that
 * overrides `getAuthenticateOptions` goes through Passport, as before.
 */
@Injectable()
export class TrackedJwtGuard extends PassportAuthGuard {
  private readonly strategyName: string;
  /** What this guard's strategy proved last (see `LAST_PROOFS`). */
  private readonly lastProof: LastProof;
  /** This module instance's strategy, once found in Passport's registry. */
  private strategy: TrackedJwtStrategy | null = null;
  private readonly throughPassport: boolean;
  /** Per route handler and controller (a handler may be inherited by several): whether it is `@Public()`. */
  private readonly publicRoutes = new WeakMap<object, WeakMap<object, boolean>>();

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
    this.strategyName = strategyName ?? TRACKED_JWT_STRATEGY;
    this.lastProof = lastProofOf(this.strategyName);
    this.throughPassport = this.getAuthenticateOptions !== PassportAuthGuard.prototype.getAuthenticateOptions;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublicRoute(context)) return true;
    const request = this.getRequest(context);
    const strategy = this.throughPassport ? null : this.ownStrategy();
    if (strategy) {
      const user = this.authenticate(strategy, request, context);
      request[this.userProperty()] = isThenable(user) ? await user : user;
    } else {
      forgetEarlierSession(request);
      await super.canActivate(context);
    }
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
    const handler = context.getHandler();
    const controller = context.getClass();
    // A context built by hand may lack either: ask the reflector, as it can answer for what is there.
    if (typeof handler !== 'function' || typeof controller !== 'function') {
      return this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, [handler, controller]) === true;
    }
    // Metadata is set by decorators, once: read it once per route rather than on every request.
    let answers = this.publicRoutes.get(handler);
    let answer = answers?.get(controller);
    if (answer === undefined) {
      answer = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, [handler, controller]) === true;
      if (!answers) this.publicRoutes.set(handler, (answers = new WeakMap()));
      answers.set(controller, answer);
    }
    return answer;
  }

  /**
   * What `passport.authenticate` would do with the strategy, in the same
   * order and with the same arguments to `handleRequest`: a refusal is
   * `(null, false, error, 401)`, any other failure `(error)`, a success
   * `(null, user)`. Answers at once when the strategy does (see
   * `AccessTokenCheck`); a strategy whose `validate` is overridden is
   * called through it.
   */
  private authenticate(strategy: TrackedJwtStrategy, request: AuthenticatedRequest, context: ExecutionContext): unknown {
    const once = isOneRequest(context, request);
    const proof = this.lastProof;
    if (once && proof.request === request) {
      if (request[VERIFIED_SESSION] !== proof.session) request[VERIFIED_SESSION] = proof.session;
      return this.succeeded(request, context, proof.user);
    }
    forgetEarlierSession(request);
    const token = strategy.extractToken(request);
    if (!token) return this.verdict(request, context, null, false, new MissingTokenError(), 401);
    let user: unknown;
    try {
      user = strategy.validate === TrackedJwtStrategy.prototype.validate ? strategy.validateNow(request, token) : strategy.validate(request, token);
    } catch (error) {
      return this.failed(request, context, error);
    }
    // Any thenable is waited for, as `await` would: an overriding `validate` may return one that is not a native Promise.
    if (isThenable(user)) {
      return Promise.resolve(user).then((found) => this.verified(once, request, context, found), (error: unknown) => this.failed(request, context, error));
    }
    return this.verified(once, request, context, user);
  }

  /** The strategy's answer: kept for the later guards of this request (see `LAST_PROOFS`), then judged by `handleRequest`. */
  private verified(once: boolean, request: AuthenticatedRequest, context: ExecutionContext, user: unknown): unknown {
    if (once && user) {
      const proof = this.lastProof;
      proof.request = request;
      proof.user = user;
      proof.session = request[VERIFIED_SESSION];
    }
    return this.succeeded(request, context, user);
  }

  private succeeded(request: AuthenticatedRequest, context: ExecutionContext, user: unknown): unknown {
    if (!user) return this.verdict(request, context, new Error('token verification failed: no user'), undefined, undefined, undefined);
    return this.verdict(request, context, null, user, undefined, undefined);
  }

  private failed(request: AuthenticatedRequest, context: ExecutionContext, error: unknown): unknown {
    if (isTokenRefusal(error)) return this.verdict(request, context, null, false, error, 401);
    return this.verdict(request, context, error instanceof Error ? error : new Error(`token verification failed: ${String(error)}`), undefined, undefined, undefined);
  }

  private verdict(request: AuthenticatedRequest, context: ExecutionContext, error: unknown, user: unknown, info: unknown, status: number | undefined): unknown {
    // Passport's `authInfo`; not added when it would only say undefined (each new property of a request costs).
    if (info !== undefined || request.authInfo !== undefined) request.authInfo = info;
    return (this.handleRequest as (error: unknown, user: unknown, info: unknown, context: ExecutionContext, status?: number) => unknown)(error, user, info, context, status);
  }

  /** Where `AuthGuard` puts the user: the `property` of PassportModule's options, `user` by default. */
  private userProperty(): string {
    return (this as unknown as { options?: { property?: string } }).options?.property || 'user';
  }

  /** The strategy of this guard's module instance; null when Passport holds another under its name (then Passport is asked). */
  private ownStrategy(): TrackedJwtStrategy | null {
    if (this.strategy) return this.strategy;
    const registered = registeredStrategy(this.strategyName);
    if (!(registered instanceof TrackedJwtStrategy)) return null;
    this.strategy = registered;
    return registered;
  }
}

/**
 * Whether the request lives for one operation only, so that what its token
 * proved can serve every guard of that operation: a Node HTTP request (or
 * Fastify's around one) that is not a WebSocket's upgrade request, on an
 * HTTP route or a GraphQL query. Not a WebSocket connection, whose every
 * message is verified; nor whatever a GraphQL context gives the operations
 * of a WebSocket connection (its upgrade request, its `extra`, an object
 * built from `connectionParams`), nor an object a `getRequest` override
 * returns: any may be one object for many operations, and there a verdict
 * would outlive the token's revocation.
 */
function isOneRequest(context: ExecutionContext, request: AuthenticatedRequest): boolean {
  const type = context.getType<string>();
  if (type !== 'http' && type !== 'graphql') return false;
  const message = request instanceof IncomingMessage ? request : request.raw;
  if (!(message instanceof IncomingMessage)) return false;
  // Node's parser flags an upgrade request (undeclared in its typings): an application may have rewritten its headers.
  return (message as IncomingMessage & { upgrade?: boolean }).upgrade !== true && request.headers.upgrade === undefined;
}

/**
 * Removes the session an earlier verdict left on the request: a
 * connection's earlier message, or another module instance's guard. What
 * this verification proves, if anything, replaces it. Only when there is
 * one: deleting a property makes an Express request slower to use.
 */
function forgetEarlierSession(request: AuthenticatedRequest): void {
  if (request[VERIFIED_SESSION] !== undefined) delete request[VERIFIED_SESSION];
}

/** What `await` would wait for: a native Promise or any other object or function with a `then` method. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
