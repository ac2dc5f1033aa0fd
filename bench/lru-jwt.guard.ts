import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { TokenTrackingPrismaClient } from '../src/index.js';
import { BENCH_AUDIENCE, BENCH_ISSUER, BENCH_SECRET } from './bench-keys.js';

/** Answers kept, as an application would size its LRU of Redis answers. */
const LRU_SIZE = 100_000;

/**
 * What Redis would hold under `revoked:<jti>`: the revoked ids, read from
 * the database when the server starts. A stand-in, since the benchmark
 * cannot assume a Redis server: a lookup here costs a Set lookup where
 * Redis would cost a round trip, so this recipe is measured at its best.
 */
export class RevokedIdsStandIn {
  constructor(private readonly ids: ReadonlySet<string>) {}

  static async load(prisma: TokenTrackingPrismaClient): Promise<RevokedIdsStandIn> {
    const rows = await prisma.$queryRaw<Array<{ id: string }>>`SELECT id FROM revoked_tokens`;
    return new RevokedIdsStandIn(new Set(rows.map((row) => row.id)));
  }

  exists(jti: string): boolean {
    return this.ids.has(jti);
  }
}

/**
 * Recipe F: `@nestjs/jwt`'s `verifyAsync` (jsonwebtoken, KeyObject secret)
 * in a plain `CanActivate`, then the revocation answer for the jti from an
 * in-process LRU of Redis answers (`EXISTS revoked:<jti>`), asking
 * "Redis" on a miss.
 */
@Injectable()
export class LruJwtGuard implements CanActivate {
  private readonly jwt = new JwtService();
  private readonly answers = new Map<string, boolean>();

  constructor(@Inject(RevokedIdsStandIn) private readonly revoked: RevokedIdsStandIn) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; user?: unknown }>();
    const header = request.headers.authorization;
    if (!header?.startsWith('Bearer ')) throw new UnauthorizedException();
    let payload: { jti: string };
    try {
      payload = await this.jwt.verifyAsync(header.slice(7), {
        secret: BENCH_SECRET as unknown as string,
        algorithms: ['HS256'],
        issuer: BENCH_ISSUER,
        audience: BENCH_AUDIENCE,
      });
    } catch {
      throw new UnauthorizedException();
    }
    if (this.isRevoked(payload.jti)) throw new UnauthorizedException();
    request.user = payload;
    return true;
  }

  private isRevoked(jti: string): boolean {
    let answer = this.answers.get(jti);
    if (answer === undefined) {
      answer = this.revoked.exists(jti);
    } else {
      this.answers.delete(jti);
    }
    // Re-inserting moves the key to the end: the map's first key is the least recently used.
    this.answers.set(jti, answer);
    if (this.answers.size > LRU_SIZE) this.answers.delete(this.answers.keys().next().value!);
    return answer;
  }
}
