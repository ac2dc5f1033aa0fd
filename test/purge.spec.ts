import { jest } from '@jest/globals';
import { ModuleRef } from '@nestjs/core';
import { PurgeScheduler, TokensPurgedEvent, TokenTrackingEvents } from '../src/index.js';
import { whileAnotherInstancePurges } from './support/another-instance-purging.js';
import { ManualClock } from './support/manual-clock.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TokenTrackingApp } from './support/token-tracking-app.js';

const T0 = Date.UTC(2026, 10, 28, 12);
const at = (offsetSeconds: number) => new Date(T0 + offsetSeconds * 1000);

describe('purging expired rows', () => {
  let db: TestDatabase;
  const clock = new ManualClock(T0);
  let app: TokenTrackingApp;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.dispose();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE token_sessions, issued_tokens, revoked_tokens, user_token_watermarks');
    clock.advance(T0 - clock.now());
  });

  afterEach(async () => {
    await app?.close();
  });

  /** A session of one token, as issuance records it. */
  const insertToken = async (jti: string, expiresAt: Date, revoked = false) => {
    const issuedAt = new Date(expiresAt.getTime() - 3_600_000);
    await db.query(
      `INSERT INTO token_sessions (session_id, user_id, created_at, last_active_at, expires_at, revoked_at)
       VALUES ($1, 'u', $2, $2, $3, $4)`,
      [jti, issuedAt, expiresAt, revoked ? at(-7200) : null],
    );
    await db.query(`INSERT INTO issued_tokens (jti, user_id, session_id, issued_at, expires_at) VALUES ($1, 'u', $1, $2, $3)`, [jti, issuedAt, expiresAt]);
  };
  /** `count` one-token sessions expiring at `expiresAt`, named `<prefix>-<n>`. */
  const insertMany = async (prefix: string, count: number, expiresAt: Date) => {
    await db.query(`
      INSERT INTO token_sessions (session_id, user_id, created_at, last_active_at, expires_at)
      SELECT $1 || '-' || n, 'u', $2, $2, $2 FROM generate_series(1, $3::int) AS n`, [prefix, expiresAt, count]);
    await db.query(`
      INSERT INTO issued_tokens (jti, user_id, session_id, issued_at, expires_at)
      SELECT $1 || '-' || n, 'u', $1 || '-' || n, $2, $2 FROM generate_series(1, $3::int) AS n`, [prefix, expiresAt, count]);
  };
  const insertRevocation = (id: string, expiresAt: Date) =>
    db.query(`INSERT INTO revoked_tokens (id, user_id, expires_at) VALUES ($1, 'u', $2)`, [id, expiresAt]);
  const remaining = async (table: string, column: string) =>
    (await db.query<{ id: string }>(`SELECT ${column} AS id FROM ${table} ORDER BY 1`)).map((row) => row.id);

  it('deletes tokens expired at or before now and keeps the rest, to the millisecond', async () => {
    app = await startTokenTracking(db.prisma, { clock: clock.now, purge: { batchSize: 2 } });
    await insertToken('expired-long-ago', at(-86_400));
    await insertToken('expired-revoked', at(-60), true);
    await insertToken('expires-exactly-now', at(0));
    await insertToken('expires-in-1ms', new Date(T0 + 1));
    await insertToken('valid-revoked', at(3600), true);
    const outcome = await app.tokens.purgeExpired();
    expect(outcome).toEqual({ status: 'done', sessions: 3, tokens: 3, revocations: 0, watermarks: 0 });
    expect(await remaining('issued_tokens', 'jti')).toEqual(['expires-in-1ms', 'valid-revoked']);
    expect(await remaining('token_sessions', 'session_id')).toEqual(['expires-in-1ms', 'valid-revoked']);
  });

  it('keeps expired rows for the retention window', async () => {
    app = await startTokenTracking(db.prisma, { clock: clock.now, purge: { retentionSeconds: 600 } });
    await insertToken('expired-601s-ago', at(-601));
    await insertToken('expired-600s-ago', at(-600));
    await insertToken('expired-599s-ago', at(-599));
    await app.tokens.purgeExpired();
    expect(await remaining('issued_tokens', 'jti')).toEqual(['expired-599s-ago']);
    expect(await remaining('token_sessions', 'session_id')).toEqual(['expired-599s-ago']);
  });

  it('keeps a deny-list entry while its token could still be accepted (clock tolerance)', async () => {
    app = await startTokenTracking(db.prisma, { clock: clock.now, clockToleranceSeconds: 30 });
    await insertRevocation('beyond-tolerance', at(-30));
    await insertRevocation('inside-tolerance', at(-29));
    await insertRevocation('not-expired', at(100));
    expect(await app.tokens.purgeExpired()).toMatchObject({ revocations: 1 });
    expect(await remaining('revoked_tokens', 'id')).toEqual(['inside-tolerance', 'not-expired']);
  });

  it('drops a revoke-all watermark only once every token it covers has expired', async () => {
    app = await startTokenTracking(db.prisma, { clock: clock.now, expiresIn: 3600, refreshExpiresIn: 7200 });
    await db.query(`INSERT INTO user_token_watermarks VALUES ('old', $1), ('edge', $2), ('recent', $3)`, [at(-7201), at(-7200), at(-7199)]);
    expect(await app.tokens.purgeExpired()).toMatchObject({ watermarks: 2 });
    expect(await remaining('user_token_watermarks', 'user_id')).toEqual(['recent']);
  });

  it('never removes what still matters: tokens, their revocations and watermarks stay effective', async () => {
    app = await startTokenTracking(db.prisma, { clock: clock.now, expiresIn: 60 });
    const revoked = await app.tokens.generateToken('keeper');
    const kept = await app.tokens.generateToken('keeper');
    await app.tokens.revokeToken(revoked.token);
    clock.advance(59_000);
    await app.tokens.purgeExpired();
    await expect(app.tokens.parseToken(revoked.token)).rejects.toThrow('token is already revoked');
    await expect(app.tokens.parseToken(kept.token)).resolves.toBeDefined();
    expect(await app.tokens.getUserSessionCount('keeper')).toBe(1);
  });

  it('deletes in batches until nothing is left', async () => {
    app = await startTokenTracking(db.prisma, { clock: clock.now, purge: { batchSize: 100 } });
    await insertMany('bulk', 1050, at(-10));
    expect(await app.tokens.purgeExpired()).toEqual({ status: 'done', sessions: 1050, tokens: 1050, revocations: 0, watermarks: 0 });
    expect(app.events.find((event) => event.name === TokenTrackingEvents.PURGED)?.payload).toEqual(
      new TokensPurgedEvent(1050, 1050, 0, 0, true, expect.any(Number) as unknown as number),
    );
  });

  it('runs in one process at a time: skipped while another holds the purge lock', async () => {
    app = await startTokenTracking(db.prisma, { clock: clock.now });
    await insertToken('expired', at(-1));
    await whileAnotherInstancePurges(db.url, async () => {
      expect(await app.tokens.purgeExpired()).toEqual({ status: 'skipped' });
      expect(await remaining('issued_tokens', 'jti')).toEqual(['expired']);
    });
    expect(await app.tokens.purgeExpired()).toMatchObject({ status: 'done', tokens: 1 });
  });

  it('lets only one of two simultaneous purges run', async () => {
    app = await startTokenTracking(db.prisma, { clock: clock.now, purge: { batchSize: 500 } });
    const second = await startTokenTracking(db.connectAnotherClient(), { clock: clock.now, purge: { batchSize: 500 } });
    try {
      await insertMany('race', 20000, at(-10));
      const outcomes = await Promise.all([app.tokens.purgeExpired(), second.tokens.purgeExpired()]);
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['done', 'skipped']);
      expect(outcomes.find((outcome) => outcome.status === 'done')).toMatchObject({ tokens: 20000 });
    } finally {
      await second.close();
    }
  });

  it('stops starting batches at its time limit; the next run continues', async () => {
    app = await startTokenTracking(db.prisma, { clock: clock.now, purge: { batchSize: 1, maxDurationSeconds: 1 } });
    await insertMany('slow', 5000, at(-10));
    const first = await app.tokens.purgeExpired();
    expect(first.status).toBe('time-limit');
    const left = (await remaining('issued_tokens', 'jti')).length;
    expect(left).toBeGreaterThan(0);
    expect(left + (first.status === 'time-limit' ? first.tokens : 0)).toBe(5000);
  });
});

describe('the purge schedule', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs every intervalSeconds once the application has started, and stops at shutdown', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const db = await createTestDatabase();
    const app = await startTokenTracking(db.prisma, { purge: { intervalSeconds: 60 } });
    try {
      const scheduler = app.get<PurgeScheduler>(PurgeScheduler);
      const tick = jest.spyOn(scheduler, 'tick');
      await jest.advanceTimersByTimeAsync(59_999);
      expect(tick).toHaveBeenCalledTimes(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(tick).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(120_000);
      expect(tick).toHaveBeenCalledTimes(3);
      await app.close();
      await jest.advanceTimersByTimeAsync(600_000);
      expect(tick).toHaveBeenCalledTimes(3);
    } finally {
      jest.useRealTimers();
      await app.close();
      await db.dispose();
    }
  });

  it('logs a failing run instead of rejecting, and runs again at the next tick', async () => {
    const { createPrismaClient } = await import('../dev/prisma.js');
    const prisma = createPrismaClient('postgresql://postgres:postgres@127.0.0.1:1/none');
    const app = await startTokenTracking(prisma, { purge: { intervalSeconds: 3600 } });
    try {
      const scheduler = app.get<PurgeScheduler>(PurgeScheduler);
      const logged = jest.spyOn((scheduler as unknown as { logger: { error: (message: string) => void } }).logger, 'error')
        .mockImplementation(() => undefined);
      await expect(scheduler.tick()).resolves.toBeUndefined();
      await expect(scheduler.tick()).resolves.toBeUndefined();
      expect(logged).toHaveBeenCalledTimes(2);
      expect(logged.mock.calls[0]?.[0]).toMatch(/^purge failed, retrying at the next run: /);
    } finally {
      await app.close();
      await prisma.$disconnect();
    }
  });
});

describe('runPurgeCommand', () => {
  it('prints how many rows it removed and returns exit code 0', async () => {
    const db = await createTestDatabase();
    const clock = new ManualClock(T0);
    const app = await startTokenTracking(db.prisma, { clock: clock.now, expiresIn: 60 });
    try {
      await app.tokens.generateToken('cli-user');
      await app.tokens.revokeToken((await app.tokens.generateToken('cli-user')).jti);
      clock.advance(60_000);
      const lines: string[] = [];
      const { runPurgeCommand } = await import('../src/index.js');
      const code = await runPurgeCommand(app.get<ModuleRef>(ModuleRef), (line) => lines.push(line));
      expect(code).toBe(0);
      expect(lines).toEqual([expect.stringMatching(/^Purged 2 ended sessions, 2 expired tokens, 1 revocation and 0 revoke-all watermarks in \d+ ms\.$/)]);
    } finally {
      await app.close();
      await db.dispose();
    }
  });

  it('reports a failure and returns exit code 1', async () => {
    const { createPrismaClient } = await import('../dev/prisma.js');
    const prisma = createPrismaClient('postgresql://postgres:postgres@127.0.0.1:1/none');
    const app = await startTokenTracking(prisma);
    try {
      const lines: string[] = [];
      const { runPurgeCommand } = await import('../src/index.js');
      expect(await runPurgeCommand(app.get<ModuleRef>(ModuleRef), (line) => lines.push(line))).toBe(1);
      expect(lines[0]).toMatch(/^purge failed: the token store is unavailable/);
    } finally {
      await app.close();
      await prisma.$disconnect();
    }
  });
});
