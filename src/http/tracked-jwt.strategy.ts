import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-strategy';
import { MissingTokenError } from '../errors/missing-token.error.js';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable.error.js';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { UserRejectedError } from '../errors/user-rejected.error.js';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { SessionActivityRecorder } from '../lifecycle/session-activity-recorder.js';
import { JwtFromRequest } from '../options/jwt-from-request.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { TokenTrackingService } from '../token-tracking.service.js';
import { AuthenticatedRequest } from './request-of-context.js';
import { VERIFIED_SESSION } from './session-key.js';
import { loadTransportErrors } from './transport-error.js';

/** Name under which the strategy is registered with Passport. */
export const TRACKED_JWT_STRATEGY = 'tracked-jwt';

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
    private readonly verifyToken: VerifyCallback,
  ) {
    super();
  }

  override authenticate(request: Parameters<Strategy['authenticate']>[0]): void {
    const token = this.extract(request);
    if (!token) {
      this.fail(new MissingTokenError(), 401);
      return;
    }
    this.verifyToken(request as unknown as AuthenticatedRequest, token, (error, user) => {
      // Any failure that is not a verdict on the token (the store is down or
      // failed, a bug) is an error, so the guard answers 503/500, not 401.
      if (error instanceof TokenTrackingError && error.getStatus() === 401 && !(error instanceof TokenStoreUnavailableError)) {
        this.fail(error, 401);
      } else if (error || !user) {
        this.error(error instanceof Error ? error : new Error(`token verification failed: ${String(error)}`));
      } else {
        this.success(user as Express.User);
      }
    });
  }
}

/**
 * The `tracked-jwt` Passport strategy: signature with the pinned algorithm,
 * claims, then revocation, through `TokenTrackingService.parseToken`; then
 * the application's `resolveUser`, if any. It coexists with an
 * application's own `jwt` strategy.
 */
@Injectable()
export class TrackedJwtStrategy extends PassportStrategy(BearerTokenStrategy, TRACKED_JWT_STRATEGY) implements OnModuleInit {
  constructor(
    @Inject(TokenTrackingService) private readonly tokens: TokenTrackingService,
    @Inject(SessionActivityRecorder) private readonly activity: SessionActivityRecorder,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
  ) {
    super(options.jwtFromRequest);
  }

  async onModuleInit(): Promise<void> {
    await loadTransportErrors();
  }

  async validate(request: AuthenticatedRequest, token: string): Promise<unknown> {
    const session = await this.tokens.parseToken(token);
    this.activity.touch(session.sessionId);
    request[VERIFIED_SESSION] = session;
    const resolveUser = this.options.resolveUser;
    if (!resolveUser) return session;
    const user = await resolveUser(session, request);
    if (user === null || user === undefined) throw new UserRejectedError();
    return user;
  }
}
