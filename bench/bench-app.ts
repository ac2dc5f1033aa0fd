import { createSecretKey, KeyObject } from 'node:crypto';
import { Controller, Get, INestApplication, Injectable, UseGuards } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { createExampleApp } from '../examples/app/example-app.js';
import { Public, TokenTrackingModuleOptions, TokenTrackingPrismaClient } from '../src/index.js';

export const BENCH_SECRET: KeyObject = createSecretKey(Buffer.from('benchmark-secret-of-at-least-32-bytes!!', 'utf8'));
/** The example application's issuer and audience. */
export const BENCH_ISSUER = 'example-app';
export const BENCH_AUDIENCE = 'example-app-clients';

/** The module options every benchmark process shares, so one process's tokens verify in another. */
export function benchOptions(prisma: TokenTrackingPrismaClient, overrides: Partial<TokenTrackingModuleOptions> = {}): TokenTrackingModuleOptions {
  return {
    prisma,
    signing: { algorithm: 'HS256', secret: BENCH_SECRET },
    issuer: BENCH_ISSUER,
    audience: BENCH_AUDIENCE,
    purge: false,
    ...overrides,
  };
}

/**
 * Baseline (a): what most applications run today, a plain passport-jwt
 * strategy with no revocation check, given a KeyObject (a string secret
 * would cost jsonwebtoken a failed public-key parse on every request).
 */
@Injectable()
class PlainJwtStrategy extends PassportStrategy(JwtStrategy, 'jwt') {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: BENCH_SECRET as unknown as string,
      algorithms: ['HS256'],
      issuer: BENCH_ISSUER,
      audience: BENCH_AUDIENCE,
    });
  }

  validate(payload: unknown) {
    return payload;
  }
}

/**
 * Three routes with the same handler. The example application guards every
 * route with TrackedJwtGuard globally, so /tracked needs nothing more; the
 * other two opt out of it with @Public().
 */
@Controller('bench')
class BenchController {
  @Public()
  @Get('open')
  open() {
    return { ok: true };
  }

  @Public()
  @UseGuards(AuthGuard('jwt'))
  @Get('plain')
  plain() {
    return { ok: true };
  }

  @Get('tracked')
  tracked() {
    return { ok: true };
  }
}

/** The example application, signing with the benchmark key, plus the three benchmark routes. */
export function createBenchApp(options: TokenTrackingModuleOptions): Promise<INestApplication> {
  return createExampleApp({
    prisma: options.prisma!,
    tokenTracking: options,
    logger: false,
    extend: { controllers: [BenchController], providers: [PlainJwtStrategy] },
  });
}
