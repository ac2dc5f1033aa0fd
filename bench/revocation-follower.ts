/**
 * The "other instance" of the propagation benchmark: an application
 * context with the revocation cache, driven over IPC. For each token it is
 * sent it verifies once (so the verdict is cached), acknowledges, then
 * checks it again and again, yielding to I/O between checks, until it is
 * rejected, and reports the wall-clock instant of that rejection.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { performance } from 'node:perf_hooks';
import { createPrismaClient } from '../dev/prisma.js';
import { RevocationChecker, TokenRevokedError, TokenTrackingModule, TokenTrackingService } from '../src/index.js';
import { benchOptions } from './bench-app.js';

type Command = { kind: 'watch'; token: string } | { kind: 'stop' };

const nowMs = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL!;
  const prisma = createPrismaClient(url, 4);

  @Module({ imports: [TokenTrackingModule.forRoot(benchOptions(prisma, { revocationReplica: { connectionString: url } }))] })
  class FollowerModule {}

  const app = await NestFactory.createApplicationContext(FollowerModule, { logger: ['error', 'warn'] });
  const tokens = app.get(TokenTrackingService);
  const checker = app.get(RevocationChecker);
  while (!checker.status.synced) await new Promise((resolve) => setTimeout(resolve, 10));
  process.send!({ kind: 'ready' });

  process.on('message', (command: Command) => {
    if (command.kind === 'stop') {
      void app.close().then(() => prisma.$disconnect()).then(() => process.exit(0));
      return;
    }
    void (async () => {
      await tokens.parseToken(command.token);
      process.send!({ kind: 'watching' });
      for (;;) {
        try {
          await tokens.parseToken(command.token);
        } catch (error) {
          if (!(error instanceof TokenRevokedError)) throw error;
          process.send!({ kind: 'rejected', at: nowMs() });
          return;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
