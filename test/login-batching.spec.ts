import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { performance as realPerformance } from 'node:perf_hooks';
import { MaxSessionsExceededError, TokenStoreError, TokenTrackingPrismaClient } from '../src/index.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TokenTrackingApp } from './support/token-tracking-app.js';

/** The application's Prisma client, counting the statements that record sessions. */
function countingSessionStatements(prisma: TokenTrackingPrismaClient): { client: TokenTrackingPrismaClient; statements: () => number } {
  let statements = 0;
  const client = new Proxy(prisma, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== 'function') return value;
      if (property !== '$queryRaw') return value.bind(target);
      return (sql: TemplateStringsArray, ...values: unknown[]) => {
        if (sql.join('').includes('token_tracking_start_sessions')) statements++;
        return (value as (...args: unknown[]) => unknown).call(target, sql, ...values);
      };
    },
  });
  return { client, statements: () => statements };
}

/**
 * Logins made while others are in flight share one statement. Sharing must
 * change nothing a caller can observe: the cap holds, eviction evicts, and a
 * login that fails on its own fails alone.
 */
describe('concurrent logins recorded together', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.dispose();
  });

  async function withApp<T>(options: Parameters<typeof startTokenTracking>[1], body: (app: TokenTrackingApp, statements: () => number) => Promise<T>): Promise<T> {
    const prisma = db.connectAnotherClient();
    const counting = countingSessionStatements(prisma);
    const app = await startTokenTracking(counting.client, options);
    try {
      return await body(app, counting.statements);
    } finally {
      await app.close();
      await prisma.$disconnect();
    }
  }

  it('sixty logins of sixty users at once take far fewer statements, and every one is recorded', async () => {
    await withApp({ maxUserSessions: 2 }, async (app, statements) => {
      const users = Array.from({ length: 60 }, (_, index) => `batched-user-${index}`);
      const issued = await Promise.all(users.map((user) => app.tokens.generateToken(user)));
      expect(statements()).toBeLessThan(10);
      const rows = await db.query<{ user_id: string; session_id: string }>(
        `SELECT user_id, session_id FROM token_sessions WHERE user_id LIKE 'batched-user-%' ORDER BY user_id`);
      expect(rows).toHaveLength(60);
      for (const token of issued) {
        await expect(app.tokens.parseToken(token.token)).resolves.toMatchObject({ userId: token.userId });
      }
    });
  });

  it('thirty logins of one user at once, cap 3, reject: exactly three recorded', async () => {
    await withApp({ maxUserSessions: 3 }, async (app, statements) => {
      const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => app.tokens.generateToken('crowded-user')));
      expect(statements()).toBeLessThan(30);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
      const refused = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      expect(refused).toHaveLength(27);
      for (const outcome of refused) expect(outcome.reason).toBeInstanceOf(MaxSessionsExceededError);
      await expect(app.tokens.getUserSessionCount('crowded-user')).resolves.toBe(3);
      const [row] = await db.query<{ tokens: number }>(`SELECT count(*)::int AS tokens FROM issued_tokens WHERE user_id = 'crowded-user'`);
      expect(row?.tokens).toBe(3);
    });
  });

  it('thirty logins of one user at once, cap 3, evict-oldest: all succeed, three stay, the last three', async () => {
    await withApp({ maxUserSessions: 3, sessionLimitPolicy: 'evict-oldest' }, async (app, statements) => {
      const issued = await Promise.all(Array.from({ length: 30 }, () => app.tokens.generateToken('evicting-user')));
      expect(statements()).toBeLessThan(30);
      const active = await app.tokens.getUserSessions('evicting-user');
      expect(active).toHaveLength(3);
      const [evictions] = await db.query<{ evicted: number }>(
        `SELECT count(*)::int AS evicted FROM token_sessions WHERE user_id = 'evicting-user' AND revoked_reason = 'evicted'`);
      expect(evictions?.evicted).toBe(27);
      // Logins are recorded in the order they were made: the last three survive.
      expect(active.map((session) => session.sessionId).sort()).toEqual(issued.slice(-3).map((token) => token.sessionId).sort());
    });
  });

  it('a login that fails on its own fails alone; the others recorded with it stand', async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      await withApp({}, async (app) => {
        const taken = await app.tokens.generateToken('first-holder');
        const now = new Date();
        const start = (sessionId: string, userId: string) => app.store.startSession(
          {
            sessionId,
            userId,
            clientIp: null,
            userAgent: null,
            tokens: [{ jti: randomBytes(16).toString('hex'), tokenUse: 'access', issuedAt: now, expiresAt: new Date(now.getTime() + 60_000), keyId: null, accessJti: null }],
          },
          { maxSessions: 0, policy: 'reject', criteria: { now, idleCutoff: null, createdCutoff: null } },
        );
        const outcomes = await Promise.allSettled([
          start(randomBytes(16).toString('hex'), 'bystander-1'),
          // The same session id as a recorded session: a primary-key violation.
          start(taken.sessionId, 'duplicate'),
          start(randomBytes(16).toString('hex'), 'bystander-2'),
        ]);
        expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(TokenStoreError);
        const rows = await db.query<{ user_id: string }>(
          `SELECT user_id FROM token_sessions WHERE user_id IN ('bystander-1', 'bystander-2', 'duplicate') ORDER BY user_id`);
        expect(rows.map((row) => row.user_id)).toEqual(['bystander-1', 'bystander-2']);
      });
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('batches sharing users in opposite orders on two instances never deadlock', async () => {
    const deadlocks = async () => (await db.query<{ deadlocks: string }>(
      'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()'))[0]!.deadlocks;
    const before = await deadlocks();
    const users = Array.from({ length: 12 }, (_, index) => `shared-user-${index}`);
    await withApp({ maxUserSessions: 1_000 }, (first) => withApp({ maxUserSessions: 1_000 }, async (second) => {
      for (let round = 0; round < 15; round++) {
        await Promise.all([
          ...users.map((user) => first.tokens.generateToken(user)),
          ...[...users].reverse().map((user) => second.tokens.generateToken(user)),
        ]);
      }
    }));
    // Both instances' connections are closed: their statistics are flushed.
    expect(await deadlocks()).toBe(before);
    const [row] = await db.query<{ sessions: number }>(
      `SELECT count(*)::int AS sessions FROM token_sessions WHERE user_id LIKE 'shared-user-%'`);
    expect(row?.sessions).toBe(12 * 2 * 15);
  });

  it('a login completes while the test suite fakes setImmediate and every other timer but nextTick', async () => {
    // (pg itself needs process.nextTick: suites that use a database leave that one real.)
    await withApp({}, async (app) => {
      await app.tokens.generateToken('fake-timers-user');
      jest.useFakeTimers({ doNotFake: ['nextTick'] });
      try {
        const started = realPerformance.now();
        await expect(app.tokens.generateToken('fake-timers-user')).resolves.toMatchObject({ userId: 'fake-timers-user' });
        expect(realPerformance.now() - started).toBeLessThan(5_000);
      } finally {
        jest.useRealTimers();
      }
    });
  });

});
