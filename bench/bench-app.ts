import { Controller, Get, INestApplication, Injectable, UseGuards } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { createExampleApp } from '../examples/app/example-app.js';
import { Public, TokenTrackingModuleOptions, TokenTrackingPrismaClient } from '../src/index.js';
import { BENCH_AUDIENCE, BENCH_ISSUER, BENCH_SECRET } from './bench-keys.js';
import { LruJwtGuard, RevokedIdsStandIn } from './lru-jwt.guard.js';

export { BENCH_AUDIENCE, BENCH_ISSUER, BENCH_SECRET };

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
 * Routes with the same handler, one a guard. The example application guards
 * every route with TrackedJwtGuard globally, so /tracked needs nothing more;
 * the others opt out of it with @Public(): /plain is passport-jwt through
 * @nestjs/passport, /lru is @nestjs/jwt with an LRU of revocation answers.
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

  @Public()
  @UseGuards(LruJwtGuard)
  @Get('lru')
  lru() {
    return { ok: true };
  }

  @Get('tracked')
  tracked() {
    return { ok: true };
  }
}

/** The example application, signing with the benchmark key, plus the benchmark routes. */
export function createBenchApp(options: TokenTrackingModuleOptions): Promise<INestApplication> {
  return createExampleApp({
    prisma: options.prisma!,
    tokenTracking: options,
    logger: false,
    extend: {
      controllers: [BenchController],
      providers: [
        PlainJwtStrategy,
        LruJwtGuard,
        { provide: RevokedIdsStandIn, useFactory: () => RevokedIdsStandIn.load(options.prisma!) },
      ],
    },
  });
}
