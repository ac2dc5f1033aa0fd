import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-strategy';
import { MissingTokenError } from '../errors/missing-token.error.js';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable.error.js';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { SessionActivityRecorder } from '../lifecycle/session-activity-recorder.js';
import { VerifiedToken } from '../jwt/token-claims.js';
import { ResolvedTokenTrackingOptions } from '../resolved-options.js';
import { TokenTrackingService } from '../token-tracking.service.js';

/** Name under which the strategy is registered with Passport. */
export const TRACKED_JWT_STRATEGY = 'tracked-jwt';

/**
 * passport-jwt's extractor signature (`ExtractJwt.*`): the raw token of a
 * request, or null. The request type is the HTTP framework's own.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JwtFromRequest = (request: any) => string | null;

type VerifyCallback = (token: string, done: (error: unknown, session?: VerifiedToken | false) => void) => void;

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
    this.verifyToken(token, (error, session) => {
      // Any failure that is not a verdict on the token (the store is down, a
      // bug) is an error, so the guard answers 503/500 instead of 401.
      if (error instanceof TokenTrackingError && !(error instanceof TokenStoreUnavailableError)) {
        this.fail(error, 401);
      } else if (error || !session) {
        this.error(error instanceof Error ? error : new Error(`token verification failed: ${String(error)}`));
      } else {
        this.success(session);
      }
    });
  }
}

/**
 * The `tracked-jwt` Passport strategy: signature with the pinned algorithm,
 * claims, then revocation, through `TokenTrackingService.parseToken`. It
 * coexists with an application's own `jwt` strategy.
 */
@Injectable()
export class TrackedJwtStrategy extends PassportStrategy(BearerTokenStrategy, TRACKED_JWT_STRATEGY) {
  constructor(
    @Inject(TokenTrackingService) private readonly tokens: TokenTrackingService,
    @Inject(SessionActivityRecorder) private readonly activity: SessionActivityRecorder,
    @Inject(RESOLVED_OPTIONS) options: ResolvedTokenTrackingOptions,
  ) {
    super(options.jwtFromRequest);
  }

  async validate(token: string): Promise<VerifiedToken> {
    const session = await this.tokens.parseToken(token);
    this.activity.touch(session.jti);
    return session;
  }
}
