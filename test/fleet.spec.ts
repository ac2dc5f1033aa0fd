import { Logger } from '@nestjs/common';
import { epochNow, FleetInstances, WatchedToken } from '../bench/fleet-instances.js';
import { PgBouncer, pgBouncerAvailable, startPgBouncer } from './support/pgbouncer.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TokenTrackingApp } from './support/token-tracking-app.js';

const INSTANCES = 10;
const LOGOUTS = 50;
const POLL_INTERVAL_MS = 500;
/** The stated bound is pollIntervalMs plus one read; the read gets a generous allowance on a loaded machine. */
const BOUND_MS = POLL_INTERVAL_MS + 2_500;
/** Past this the replicas stop answering "not revoked" by themselves: longer than the bound, so a lost feed shows. */
const MAX_STALENESS_MS = 10_000;

/**
 * A fleet in miniature (the fleet benchmark at scale is `BENCH_ONLY=fleet
 * npm run bench`): instances that poll the revocation log through their
 * own pools, directly or through a transaction-mode PgBouncer, while
 * another instance logs users out all at once. No instance may answer
 * "not revoked" for a revoked token later than the bound, and every
 * instance must come to refuse every one.
 */
describe('a fleet of instances polling the revocation log', () => {
  let db: TestDatabase;
  let writer: TokenTrackingApp;
  let bouncer: PgBouncer | undefined;

  beforeAll(async () => {
    // Ten instances would each log their load.
    Logger.overrideLogger(['error']);
    db = await createTestDatabase();
    // The writer's 50 concurrent logouts (and, before them, its 50 checks of the fresh tokens) queue for
    // a few pooled connections on a machine the fleet keeps busy: what is measured is propagation, not
    // how long the writer waited.
    writer = await startTokenTracking(db.prisma, { maxUserSessions: 1_000, storeTimeouts: { revocationCheckMs: 30_000, readMs: 30_000, writeMs: 30_000 } });
    if (pgBouncerAvailable()) bouncer = await startPgBouncer(db.url, 'transaction');
  });

  afterAll(async () => {
    await writer?.close();
    await bouncer?.stop();
    await db?.dispose();
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
  }, 60_000);

  it('directly: every instance refuses every token of a burst of concurrent logouts, none accepted after the bound', async () => {
    await expectBurstRefusedEverywhere(db.url);
  }, 60_000);

  (pgBouncerAvailable() ? it : it.skip)('through a transaction-mode PgBouncer: the same', async () => {
    await expectBurstRefusedEverywhere(bouncer!.url);
  }, 60_000);

  async function expectBurstRefusedEverywhere(databaseUrl: string): Promise<void> {
    const fleet = FleetInstances.start({
      databaseUrl, listenUrl: null, count: INSTANCES, poolSize: 2,
      pollIntervalMs: POLL_INTERVAL_MS, maxStalenessMs: MAX_STALENESS_MS, heartbeatMs: 2_000,
    });
    try {
      await fleet.untilSynced(30_000);
      const issued = await Promise.all(Array.from({ length: LOGOUTS }, (_, n) => writer.tokens.generateToken(`fleet-user-${n}`)));
      const tokens: WatchedToken[] = await Promise.all(issued.map(async ({ token }) => {
        const verified = await writer.tokens.parseToken(token);
        return { jti: verified.jti, sessionId: verified.sessionId, userId: verified.userId, issuedAtMs: verified.issuedAt.getTime() };
      }));
      const { ready, outcome } = fleet.follow(tokens, MAX_STALENESS_MS + 20_000);
      await ready;
      const returned: number[] = [];
      await Promise.all(issued.map(async ({ token }, t) => {
        await writer.tokens.revokeToken(token);
        returned[t] = epochNow();
      }));
      const { refusedByAllAt, lastAcceptedAt, fromMemory } = await outcome;

      // Instances that answered from memory could have accepted a revoked token late: without any, nothing was tested.
      expect(fromMemory).toBeGreaterThan(0);

      expect(refusedByAllAt.filter((at) => Number.isNaN(at))).toEqual([]);
      const acceptedAfterBound = tokens.filter((_, t) => lastAcceptedAt[t]! > returned[t]! + BOUND_MS);
      expect(acceptedAfterBound).toEqual([]);
    } finally {
      await fleet.stop();
    }
  }
});
