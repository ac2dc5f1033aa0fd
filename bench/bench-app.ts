import { createSecretKey, KeyObject } from 'node:crypto';
import { Controller, Get, INestApplication, Injectable, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import {
  TokenTrackingModule,
  TokenTrackingModuleOptions,
  TokenTrackingPrismaClient,
  TrackedJwtGuard,
} from '../src/index.js';

export const BENCH_SECRET: KeyObject = createSecretKey(Buffer.from('benchmark-secret-of-at-least-32-bytes!!', 'utf8'));
export const BENCH_ISSUER = 'bench';
export const BENCH_AUDIENCE = 'bench-clients';

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

@Controller()
class BenchController {
  @Get('open')
  open() {
    return { ok: true };
  }

  @UseGuards(AuthGuard('jwt'))
  @Get('plain')
  plain() {
    return { ok: true };
  }

  @UseGuards(TrackedJwtGuard)
  @Get('tracked')
  tracked() {
    return { ok: true };
  }
}

/** Three routes with the same handler: no guard, the plain guard, TrackedJwtGuard. */
export async function createBenchApp(options: TokenTrackingModuleOptions): Promise<INestApplication> {
  @Module({
    imports: [TokenTrackingModule.forRoot(options)],
    controllers: [BenchController],
    providers: [PlainJwtStrategy],
  })
  class BenchModule {}

  return NestFactory.create(BenchModule, { logger: ['error', 'warn'] });
}
