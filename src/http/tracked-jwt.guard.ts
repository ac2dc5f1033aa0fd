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
 * Per strategy (one per module instance): what it proved last, so that a
 * route guard after a global one does not verify the same request's token
 * again. The later guard puts the session back on the request (another
 * module instance's guard may have replaced or removed it) and still gives
 * the user to its own `handleRequest`, which may refuse it (a role check in
 * a subclass). Only the strategy's successes are kept, never what a
 * `handleRequest` let through without one (optional authentication), and
 * they serve only requests that live for one operation (see
 * `isOneRequest`). Per strategy, because two module instances in one
 * application guard their routes with different keys, audiences or
 * extractors; keyed by the strategy itself rather than its name, so that
 * what a closed application's strategy proved goes with it.
 *
 * One proof, the last, rather than one per request: a map keyed by request
 * (a WeakMap) cost about 3 µs on every request, to save a verification only
 * on the requests a second guard checks, and a property of the request
 * costs as much (its shape is new to V8 on every request). A
 * request's guards usually run one right after the other and find the
 * earlier one's proof; when another request was verified between them (an
 * asynchronous guard in between, a busy server), the later guard verifies
 * again, with the same outcome unless the token was revoked meanwhile. The
 * slot holds the last verified request, and what was proved for it, until
 * the next verification.
 */
const LAST_PROOFS = new WeakMap<TrackedJwtStrategy, LastProof>();

function lastProofOf(strategy: TrackedJwtStrategy): LastProof {
  let proof = LAST_PROOFS.get(strategy);
  if (!proof) LAST_PROOFS.set(strategy, (proof = { request: null, user: undefined, session: undefined }));
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
  /** What `strategy` proved last (see `LAST_PROOFS`); null while `strategy` is. */
  private lastProof: LastProof | null = null;
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
    this.throughPassport = this.getAuthenticateOptions !== PassportAuthGuard.prototype.getAuthenticateOptions;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublicRoute(context)) return true;
    const request = this.getRequest(context);
    const strategy = this.throughPassport ? null : this.ownStrategy();
    if (strategy) {
      const user = this.authenticate(strategy, this.lastProof!, request, context);
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
  private authenticate(strategy: TrackedJwtStrategy, proof: LastProof, request: AuthenticatedRequest, context: ExecutionContext): unknown {
    // The identity first: it is cheaper than `isOneRequest`, and false at every request's first guard.
    if (proof.request === request && isOneRequest(context, request)) {
      if (request[VERIFIED_SESSION] !== proof.session) request[VERIFIED_SESSION] = proof.session;
      return this.succeeded(request, context, proof.user);
    }
    // A session an earlier verdict left (another module instance's guard, a
    // connection's earlier message) stays while this verification runs, for
    // what reads it meanwhile (a GraphQL query's other fields), and is
    // replaced by what this one proves, or removed if it proves nothing.
    const earlier = request[VERIFIED_SESSION];
    const token = strategy.extractToken(request);
    if (!token) return this.failed(request, context, new MissingTokenError());
    let user: unknown;
    try {
      user = strategy.validate === TrackedJwtStrategy.prototype.validate ? strategy.validateNow(request, token) : strategy.validate(request, token);
    } catch (error) {
      return this.failed(request, context, error);
    }
    // Any thenable is waited for, as `await` would: an overriding `validate` may return one that is not a native Promise.
    if (isThenable(user)) {
      return Promise.resolve(user).then((found) => this.verified(proof, earlier, request, context, found), (error: unknown) => this.failed(request, context, error));
    }
    return this.verified(proof, earlier, request, context, user);
  }

  /**
   * The strategy's answer: kept for the later guards of this request (see
   * `LAST_PROOFS`), then judged by `handleRequest`. Kept whatever the
   * request is: a later guard uses it only for a request that lives for one
   * operation (see `authenticate`). A session still the `earlier` one was
   * not proved by this verification (a `validate` override that sets none).
   */
  private verified(proof: LastProof, earlier: unknown, request: AuthenticatedRequest, context: ExecutionContext, user: unknown): unknown {
    if (!user || request[VERIFIED_SESSION] === earlier) forgetEarlierSession(request);
    if (user) {
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

  /** A refusal or an error: no session stays on the request, whatever `handleRequest` then lets through. */
  private failed(request: AuthenticatedRequest, context: ExecutionContext, error: unknown): unknown {
    forgetEarlierSession(request);
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
    this.lastProof = lastProofOf(registered);
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
 * built from `connectionParams`), nor any other object a `getRequest`
 * override returns: any may be one object for many operations, and there
 * a verdict would outlive the token's revocation.
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
 * connection's earlier message, or another module instance's guard. Only
 * when there is one: deleting a property makes an Express request slower
 * to use.
 */
function forgetEarlierSession(request: AuthenticatedRequest): void {
  if (request[VERIFIED_SESSION] !== undefined) delete request[VERIFIED_SESSION];
}

/** What `await` would wait for: a native Promise or any other object or function with a `then` method. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
