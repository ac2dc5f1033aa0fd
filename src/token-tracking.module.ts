import { Module, Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { TokenTrackingConfigurationError } from './errors/configuration.error.js';
import { EventSink, eventEmitterToken, TokenEventPublisher } from './events/token-event-publisher.js';
import { TrackedJwtStrategy } from './http/tracked-jwt.strategy.js';
import { RESOLVED_OPTIONS } from './internal.constants.js';
import { TokenVerifier } from './jwt/token-verifier.js';
import { PurgeScheduler } from './lifecycle/purge-scheduler.js';
import { SessionActivityRecorder } from './lifecycle/session-activity-recorder.js';
import { ResolvedTokenTrackingOptions, resolveTokenTrackingOptions } from './resolved-options.js';
import { PrismaTokenStore } from './store/prisma-token-store.js';
import { TokenStore } from './store/token-store.interface.js';
import { RevocationChecker } from './sync/revocation-checker.js';
import { ConfigurableModuleClass, TOKEN_TRACKING_MODULE_OPTIONS } from './token-tracking.module-definition.js';
import { TokenTrackingModuleOptions } from './token-tracking-options.interface.js';
import { TokenTrackingService } from './token-tracking.service.js';

const providers: Provider[] = [
  {
    provide: RESOLVED_OPTIONS,
    inject: [TOKEN_TRACKING_MODULE_OPTIONS],
    useFactory: resolveTokenTrackingOptions,
  },
  {
    provide: TokenStore,
    inject: [TOKEN_TRACKING_MODULE_OPTIONS],
    useFactory: (options: TokenTrackingModuleOptions): TokenStore => {
      if (options.store) return options.store;
      if (!options.prisma) {
        throw new TokenTrackingConfigurationError('give either `prisma` (your PrismaClient) or a custom `store`');
      }
      return new PrismaTokenStore(options.prisma);
    },
  },
  {
    provide: TokenVerifier,
    inject: [RESOLVED_OPTIONS],
    useFactory: (options: ResolvedTokenTrackingOptions) => new TokenVerifier(options),
  },
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
  RevocationChecker,
  TokenTrackingService,
  SessionActivityRecorder,
  PurgeScheduler,
  TrackedJwtStrategy,
];

/**
 * Tracks every JWT the application issues in PostgreSQL (through the
 * application's Prisma client), caps and revokes sessions.
 *
 * `TokenTrackingModule.forRoot({ prisma, signing, issuer, audience })`, or
 * `forRootAsync({ inject, useFactory })` to take the client from another
 * module. Add `sessionRoutes` and `adminRoutes` to mount the controllers.
 */
@Module({
  providers,
  exports: [TokenTrackingService, TokenStore, TokenVerifier, RevocationChecker],
})
export class TokenTrackingModule extends ConfigurableModuleClass {}
