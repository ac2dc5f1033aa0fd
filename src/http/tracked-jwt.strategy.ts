import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy as PassportStrategyBase } from 'passport-strategy';
import { MissingTokenError } from '../errors/missing-token.error.js';
import { UserRejectedError } from '../errors/user-rejected.error.js';
import { AccessTokenCheck } from '../jwt/access-token-check.js';
import { VerifiedToken } from '../jwt/token-claims.js';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { SessionActivityRecorder } from '../lifecycle/session-activity-recorder.js';
import { JwtFromRequest } from '../options/jwt-from-request.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { ResolveUser } from '../options/token-tracking-options.interface.js';
import { AuthenticatedRequest } from './request-of-context.js';
import { VERIFIED_SESSION } from './session-key.js';
import { isTokenRefusal } from './token-refusal.js';
import { freeStrategyName, releaseStrategyName } from './tracked-jwt-strategy-name.js';
import { loadTransportErrors } from './transport-error.js';

/**
 * What this strategy uses of passport-strategy's base class, typed here so
 * that the published declarations need no `@types/passport-strategy`.
 */
interface StrategyActions {
  success(user: unknown, info?: unknown): void;
  fail(challenge?: unknown, status?: number): void;
  error(error: Error): void;
}
const Strategy = PassportStrategyBase as unknown as new () => StrategyActions;

type VerifyCallback = (request: AuthenticatedRequest, token: string, done: (error: unknown, user?: unknown) => void) => void;

/**
 * A Passport strategy that extracts the token with a passport-jwt extractor
 * and hands it, whole, to one verification function. passport-jwt's own
 * Strategy verifies with jsonwebtoken first, which would check every
 * signature twice and cannot verify EdDSA; this keeps one verifier.
 */
class BearerTokenStrategy extends Strategy {
  constructor(
    private readonly extract: JwtFromRequest,
    readonly name: string,
    private readonly verifyToken: VerifyCallback,
  ) {
    super();
  }

  /** The raw token of a request, as the extractor (option `jwtFromRequest`) finds it, or null. */
  extractToken(request: unknown): string | null {
    return this.extract(request);
  }

  authenticate(request: unknown): void {
    const token = this.extractToken(request);
    if (!token) {
      this.fail(new MissingTokenError(), 401);
      return;
    }
    this.verifyToken(request as unknown as AuthenticatedRequest, token, (error, user) => {
      if (isTokenRefusal(error)) {
        this.fail(error, 401);
      } else if (error || !user) {
        this.error(error instanceof Error ? error : new Error(`token verification failed: ${String(error)}`));
      } else {
        this.success(user);
      }
    });
  }
}

/**
 * The `tracked-jwt` Passport strategy: signature with the pinned algorithm,
 * claims, then revocation, through `AccessTokenCheck` (what
 * `TokenTrackingService.parseToken` runs); then
 * the application's `resolveUser`, if any. It coexists with an
 * application's own `jwt` strategy, and composes with others in
 * `AuthGuard(['tracked-jwt', 'api-key'])`. Registered under the first free
 * name (`tracked-jwt` for the first module instance of a process, see
 * `freeStrategyName`) and removed from Passport when its module closes.
 * `TrackedJwtGuard` calls `extractToken` and `validate` itself, without
 * Passport's per-request machinery.
 */
@Injectable()
export class TrackedJwtStrategy extends PassportStrategy(BearerTokenStrategy) implements OnModuleInit, OnModuleDestroy {
  constructor(
    @Inject(AccessTokenCheck) private readonly accessTokens: AccessTokenCheck,
    @Inject(SessionActivityRecorder) private readonly activity: SessionActivityRecorder,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
  ) {
    super(options.jwtFromRequest, freeStrategyName());
  }

  async onModuleInit(): Promise<void> {
    await loadTransportErrors();
  }

  onModuleDestroy(): void {
    releaseStrategyName(this.name, this);
  }

  async validate(request: AuthenticatedRequest, token: string): Promise<unknown> {
    return this.validateNow(request, token);
  }

  /**
   * `validate` answering at once when nothing has to be waited for (see
   * `AccessTokenCheck`) and there is no `resolveUser`: the guard's path.
   */
  validateNow(request: AuthenticatedRequest, token: string): unknown {
    const session = this.accessTokens.check(token);
    return session instanceof Promise ? session.then((found) => this.accept(request, found)) : this.accept(request, session);
  }

  private accept(request: AuthenticatedRequest, session: VerifiedToken): unknown {
    this.activity.touch(session.sessionId);
    const resolveUser = this.options.resolveUser;
    if (resolveUser) return this.resolvedUser(resolveUser, session, request);
    request[VERIFIED_SESSION] = session;
    return session;
  }

  /**
   * The session is left on the request only once `resolveUser` accepts its
   * user: composed with another strategy that lets the request in, a
   * rejected user's session must not reach `@CurrentSession()` or the admin check.
   */
  private async resolvedUser(resolveUser: ResolveUser, session: VerifiedToken, request: AuthenticatedRequest): Promise<unknown> {
    const user = await resolveUser(session, request);
    if (user === null || user === undefined) throw new UserRejectedError();
    request[VERIFIED_SESSION] = session;
    return user;
  }
}
