import { setTimeout as sleep } from 'node:timers/promises';
import { PrismaTokenStore, RevocationChecker, TokenRevokedError, TokenStore } from '../src/index.js';
import { eventually } from './support/eventually.js';
import { FaultProxy } from './support/fault-proxy.js';
import { interceptMethod } from './support/intercept-method.js';
import { recordingTokenStore } from './support/recording-token-store.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TokenTrackingApp } from './support/token-tracking-app.js';
import { withoutStall } from './support/without-stall.js';
import { createPrismaClient } from '../dev/prisma.js';

/**
 * The replica's feed without LISTEN: what an instance behind a
 * transaction-mode pooler, or with no connection to spare, relies on.
 */
describe('the revocation replica, following the revocation log', () => {
  let db: TestDatabase;
  const apps: TokenTrackingApp[] = [];
  const start = async (...args: Parameters<typeof startTokenTracking>) => {
    const app = await startTokenTracking(...args);
    apps.push(app);
    return app;
  };
  const checkerOf = (app: TokenTrackingApp) => app.get<RevocationChecker>(RevocationChecker);

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('polling only: applies another instance\'s revocations within the poll interval, and checks nothing in the database', async () => {
    const writer = await start(db.prisma);
    const { store, calls } = recordingTokenStore(new PrismaTokenStore(db.connectAnotherClient()));
    const reader = await start(undefined, { store, revocationReplica: { pollIntervalMs: 200 } });
    await eventually(() => expect(checkerOf(reader).status.synced).toBe(true));
    expect(checkerOf(reader).status.connected).toBe(false);
    const tokens = await Promise.all(Array.from({ length: 10 }, () => writer.tokens.generateToken('polled-user')));
    await withoutStall(checkerOf(reader), async () => {
      calls.length = 0;
      for (const { token } of tokens) await reader.tokens.parseToken(token);
    });
    expect(calls.filter((call) => call === 'isRevoked')).toEqual([]);
    const delays: number[] = [];
    for (const { token } of tokens) {
      await writer.tokens.revokeToken(token);
      const revokedAt = performance.now();
      await eventually(() => expect(reader.tokens.parseToken(token)).rejects.toBeInstanceOf(TokenRevokedError), 5_000);
      delays.push(performance.now() - revokedAt);
    }
    // One poll interval and one read, with room for a loaded machine.
    expect(Math.max(...delays)).toBeLessThan(1_500);
  });

  it('serves while the first load runs: checks ask the database meanwhile', async () => {
    const writer = await start(db.prisma);
    await db.query(`
      INSERT INTO revoked_tokens (id, kind, user_id, expires_at)
      SELECT 'serving-bulk-' || n, 'session', 'bulk-user', now() + interval '1 hour' FROM generate_series(1, 100000) AS n`);
    const { token } = await writer.tokens.generateToken('served-while-loading');
    const revoked = await writer.tokens.generateToken('served-while-loading');
    await writer.tokens.revokeToken(revoked.token);
    const { store, calls } = recordingTokenStore(new PrismaTokenStore(db.connectAnotherClient()));
    // The load's first page waits until both checks are done: a fast
    // database could otherwise finish the load between them.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    try {
      const holding = withLoadHeldUntil(store, gate);
      const reader = await start(undefined, { store: holding.store, revocationReplica: { pollIntervalMs: 200 } });
      expect(checkerOf(reader).status.synced).toBe(false);
      // The load has started and waits at the gate: the checks below run during it.
      await eventually(() => expect(holding.held()).toBeGreaterThanOrEqual(1));
      await expect(reader.tokens.parseToken(token)).resolves.toBeDefined();
      await expect(reader.tokens.parseToken(revoked.token)).rejects.toBeInstanceOf(TokenRevokedError);
      expect(calls.filter((call) => call === 'isRevoked')).toHaveLength(2);
      expect(checkerOf(reader).status.synced).toBe(false);
      openGate();
      await eventually(() => expect(checkerOf(reader).status.synced).toBe(true), 45_000);
      await expect(reader.tokens.parseToken(revoked.token)).rejects.toBeInstanceOf(TokenRevokedError);
      expect(checkerOf(reader).status.entries).toBeGreaterThanOrEqual(100_001);
    } finally {
      openGate();
      await db.query(`DELETE FROM revoked_tokens WHERE user_id = 'bulk-user'`);
    }
  }, 90_000);

  it('never accepts a revoked token silently: when the log cannot be read, it stops answering from memory within maxStalenessMs', async () => {
    const proxy = await FaultProxy.start(db.url);
    const unreliable = createPrismaClient(proxy.url, 2);
    try {
      const writer = await start(db.prisma);
      const { store, calls } = recordingTokenStore(new PrismaTokenStore(db.connectAnotherClient()));
      // The log is read through a connection that will hang; the store itself stays reachable.
      const reader = await start(undefined, { store, revocationReplica: { readFrom: unreliable, pollIntervalMs: 100, maxStalenessMs: 1_000 } });
      await eventually(() => expect(checkerOf(reader).status.synced).toBe(true));
      const { token } = await writer.tokens.generateToken('hung-log-user');
      await reader.tokens.parseToken(token);
      proxy.blackhole();
      const hungAt = performance.now();
      await writer.tokens.revokeToken(token);
      // Until its freshness runs out, the replica may still say "not revoked"; never after.
      await eventually(() => expect(checkerOf(reader).status.stale).toBe(true), 5_000);
      expect(performance.now() - hungAt).toBeLessThan(1_000 + 500);
      calls.length = 0;
      await expect(reader.tokens.parseToken(token)).rejects.toBeInstanceOf(TokenRevokedError);
      expect(calls).toContain('isRevoked');
      expect(checkerOf(reader).status.readFailure).toBeNull();
      await sleep(6_000);
      expect(checkerOf(reader).status.readFailure).toMatch(/no answer within/);
      // The log is readable again: the replica catches up from where it was and answers from memory.
      proxy.reset();
      proxy.restore();
      await eventually(() => expect(checkerOf(reader).status.synced).toBe(true), 15_000);
      calls.length = 0;
      await expect(reader.tokens.parseToken(token)).rejects.toBeInstanceOf(TokenRevokedError);
      expect(calls).not.toContain('isRevoked');
    } finally {
      await unreliable.$disconnect().catch(() => undefined);
      await proxy.close();
    }
  }, 60_000);
});

/**
 * `store`, whose revocation log's full load reads no page of revocations
 * until `gate` resolves; `held()` counts the calls to its `loadDenied`.
 */
function withLoadHeldUntil(store: TokenStore, gate: Promise<void>): { store: TokenStore; held: () => number } {
  let held = 0;
  const holding = interceptMethod(store, 'revocationLog', (revocationLog) => () =>
    interceptMethod(revocationLog(), 'loadDenied', (loadDenied) => async (...args) => {
      held++;
      await gate;
      return loadDenied(...args);
    }));
  return { store: holding, held: () => held };
}
