import { randomBytes } from 'node:crypto';
import { INestApplication, LoggerService, LogLevel, Module, Provider, Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import fastifyCookie from '@fastify/cookie';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { TerminusModule } from '@nestjs/terminus';
import {
  TokenTrackingExceptionFilter,
  TokenTrackingModule,
  TokenTrackingModuleExtras,
  TokenTrackingModuleOptions,
  TokenTrackingPrismaClient,
  TrackedJwtGuard,
} from '../../src/index.js';
import { AuthController } from './auth.controller.js';
import { BrowserAuthController } from './browser-auth.controller.js';
import { SpaController } from './spa.controller.js';
import { DemoUsers } from './demo-users.js';
import { HealthController } from './health.controller.js';
import { ProfileController } from './profile.controller.js';

export interface ExampleAppSettings {
  prisma: TokenTrackingPrismaClient;
  /** Overrides of the token tracking options the example uses. */
  tokenTracking?: Partial<TokenTrackingModuleOptions> & TokenTrackingModuleExtras;
  /** Express `trust proxy`: which proxies' X-Forwarded-For to believe. Default: none. */
  trustProxy?: boolean | string | number;
  logger?: false | LoggerService;
  /** More controllers and providers, mounted next to the example's own (the benchmarks add theirs). */
  extend?: { controllers?: Type[]; providers?: Provider[] };
  /** The HTTP platform. Default `express`. */
  platform?: 'express' | 'fastify';
}

/**
 * The example application, as a user would write it: a login route issuing
 * tracked tokens, the guard applied globally with public routes marked, and
 * the library's self-service and admin session routes with a role check.
 */
export async function createExampleApp(settings: ExampleAppSettings): Promise<INestApplication> {
  // Browser sessions on by default: the SPA page and the dashboard sign in with the refresh cookie.
  const browserSessions = settings.tokenTracking && 'browserSessions' in settings.tokenTracking
    ? settings.tokenTracking.browserSessions
    : { loginUrl: 'spa' };
  @Module({
    imports: [
      TerminusModule.forRoot({ logger: false }),
      TokenTrackingModule.forRoot({
        prisma: settings.prisma,
        signing: { algorithm: 'HS256', secret: process.env.JWT_SECRET ?? randomBytes(32) },
        issuer: 'example-app',
        audience: 'example-app-clients',
        expiresIn: 3600,
        maxUserSessions: 3,
        sessionRoutes: true,
        adminRoutes: { authorize: (session) => session.data.role === 'admin' },
        dashboard: true,
        ...settings.tokenTracking,
        browserSessions,
      }),
    ],
    controllers: [
      AuthController,
      ...(browserSessions ? [BrowserAuthController, SpaController] : []),
      ProfileController,
      HealthController,
      ...(settings.extend?.controllers ?? []),
    ],
    providers: [
      ...(settings.extend?.providers ?? []),
      DemoUsers,
      { provide: APP_GUARD, useClass: TrackedJwtGuard },
      { provide: APP_FILTER, useClass: TokenTrackingExceptionFilter },
    ],
  })
  class ExampleAppModule {}

  const logger: false | LoggerService | LogLevel[] = settings.logger ?? ['error', 'warn'];
  if (settings.platform === 'fastify') {
    const app = await NestFactory.create<NestFastifyApplication>(ExampleAppModule, new FastifyAdapter({ trustProxy: (settings.trustProxy ?? false) as boolean | string }), { logger });
    // As most Fastify applications have it; the browser-session cookie works with it or without.
    await app.register(fastifyCookie);
    return app;
  }
  const app = await NestFactory.create<NestExpressApplication>(ExampleAppModule, { logger });
  app.set('trust proxy', settings.trustProxy ?? false);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('token tracking example').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}
