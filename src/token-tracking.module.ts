import { Module, Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { TokenTrackingConfigurationError } from './errors/configuration.error.js';
import { EventSink, eventEmitterToken, TokenEventPublisher } from './events/token-event-publisher.js';
import { TRACKED_JWT_STRATEGY_NAME } from './http/tracked-jwt-strategy-name.js';
import { TrackedJwtStrategy } from './http/tracked-jwt.strategy.js';
import { RESOLVED_OPTIONS } from './internal.constants.js';
import { SessionIssuer } from './issuance/session-issuer.js';
import { TokenSigner } from './jwt/token-signer.js';
import { AccessTokenCheck } from './jwt/access-token-check.js';
import { TokenVerifier } from './jwt/token-verifier.js';
import { IdleSessionSweeper } from './lifecycle/idle-session-sweeper.js';
import { PurgeScheduler } from './lifecycle/purge-scheduler.js';
import { SessionActivityRecorder } from './lifecycle/session-activity-recorder.js';
import { StartupChecks } from './lifecycle/startup-checks.js';
import { TokenPurger } from './lifecycle/token-purger.js';
import { TokenTrackingHealthIndicator } from './observability/token-tracking-health.indicator.js';
import { TokenTrackingTelemetry } from './observability/token-tracking-telemetry.js';
import { ResolvedTokenTrackingOptions, resolveTokenTrackingOptions } from './options/resolved-options.js';
import { TokenTrackingModuleOptions } from './options/token-tracking-options.interface.js';
import { RevocationChecker } from './revocation/revocation-checker.js';
import { TokenRevoker } from './revocation/token-revoker.js';
import { IdleDeadlineCheck } from './sessions/idle-deadline-check.js';
import { SessionDirectory } from './sessions/session-directory.js';
import { SessionPolicy } from './sessions/session-policy.js';
import { PrismaTokenStore } from './store/prisma-token-store.js';
import { TokenStore } from './store/token-store.interface.js';
import { ConfigurableModuleClass, TOKEN_TRACKING_MODULE_OPTIONS } from './token-tracking.module-definition.js';
import { TokenTrackingService } from './token-tracking.service.js';

/** Collaborators built from the options alone. */
const fromOptions = <T>(provide: abstract new (...args: never[]) => T, create: (options: ResolvedTokenTrackingOptions) => T): Provider => ({
  provide,
  inject: [RESOLVED_OPTIONS],
  useFactory: create,
});

const providers: Provider[] = [
  {
    provide: RESOLVED_OPTIONS,
    inject: [TOKEN_TRACKING_MODULE_OPTIONS],
    useFactory: resolveTokenTrackingOptions,
  },
  {
    provide: TokenStore,
    inject: [TOKEN_TRACKING_MODULE_OPTIONS, RESOLVED_OPTIONS],
    useFactory: (options: TokenTrackingModuleOptions, resolved: ResolvedTokenTrackingOptions): TokenStore => {
      if (options.store) return options.store;
      if (!options.prisma) {
        throw new TokenTrackingConfigurationError('give either `prisma` (your PrismaClient) or a custom `store`');
      }
      return new PrismaTokenStore(options.prisma, undefined, resolved.storeTimeouts);
    },
  },
  fromOptions(TokenVerifier, (options) => new TokenVerifier(options)),
  fromOptions(TokenSigner, (options) => new TokenSigner(options)),
  fromOptions(SessionPolicy, (options) => new SessionPolicy(options)),
  {
    provide: TokenEventPublisher,
    inject: [ModuleRef],
    useFactory: async (moduleRef: ModuleRef) => {
      const token = await eventEmitterToken();
      return new TokenEventPublisher(() => {
        if (token === null) return null;
        try {
          return moduleRef.get<EventSink>(token as never, { strict: false });
        } catch {
          return null;
        }
      });
    },
  },
  StartupChecks,
  RevocationChecker,
  TokenTrackingTelemetry,
  TokenTrackingHealthIndicator,
  SessionIssuer,
  TokenRevoker,
  SessionDirectory,
  TokenPurger,
  TokenTrackingService,
  SessionActivityRecorder,
  IdleDeadlineCheck,
  AccessTokenCheck,
  PurgeScheduler,
  IdleSessionSweeper,
  TrackedJwtStrategy,
  { provide: TRACKED_JWT_STRATEGY_NAME, useFactory: (strategy: TrackedJwtStrategy) => strategy.name, inject: [TrackedJwtStrategy] },
];

/**
 * Tracks every JWT the application issues in PostgreSQL (through the
 * application's Prisma client), caps and revokes sessions.
 *
 * `TokenTrackingModule.forRoot({ prisma, signing, issuer, audience })`, or
 * `forRootAsync({ imports, inject, useFactory })` to take the client and the
 * keys from other modules. Add `sessionRoutes`, `adminRoutes` and
 * `jwksRoute` to mount the controllers. Several applications in one
 * process each get their own Passport strategy (see `freeStrategyName`).
 */
@Module({
  providers,
  exports: [TRACKED_JWT_STRATEGY_NAME, TokenTrackingService, TokenStore, TokenVerifier, RevocationChecker, PurgeScheduler, TokenPurger, TokenTrackingHealthIndicator],
})
export class TokenTrackingModule extends ConfigurableModuleClass {}
