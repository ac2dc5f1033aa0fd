import { PrismaTokenStore, RevocationChecker, TokenRevokedError } from '../src/index.js';
import { REVOCATION_CHANNEL } from '../src/store/revocation-announcements.js';
import { eventually } from './support/eventually.js';
import { recordingTokenStore } from './support/recording-token-store.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TokenTrackingApp } from './support/token-tracking-app.js';
import { withoutStall } from './support/without-stall.js';

/**
 * The revocation replica: every check from memory while in sync, and never a
 * revoked token accepted, whatever happens while it loads or reconnects.
 */
describe('the revocation replica', () => {
  let db: TestDatabase;
  const apps: TokenTrackingApp[] = [];
  const start = async (...args: Parameters<typeof startTokenTracking>) => {
    const app = await startTokenTracking(...args);
    apps.push(app);
    return app;
  };
  const replicaOf = (app: TokenTrackingApp) => app.get<RevocationChecker>(RevocationChecker);

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await db?.dispose();
  });

  it('misses no revocation committed while another instance is loading', async () => {
    const writer = await start(db.prisma);
    // Enough revocations in the table that loading takes a while.
    await db.query(`
      INSERT INTO revoked_tokens (id, kind, user_id, expires_at)
      SELECT 'bulk-' || n, 'session', 'bulk-user', now() + interval '1 hour' FROM generate_series(1, 200000) AS n`);
    const issued = await Promise.all(Array.from({ length: 60 }, (_, n) => writer.tokens.generateToken(`racing-user-${n % 6}`)));
    let stop = false;
    const revoked: string[] = [];
    const revokedAt: number[] = [];
    const racing = (async () => {
      for (const token of issued) {
        if (stop) break;
        await writer.tokens.revokeToken(token.token);
        revoked.push(token.token);
        revokedAt.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const { store, calls } = recordingTokenStore(new PrismaTokenStore(db.connectAnotherClient()));
    const loadStarted = Date.now();
    const reader = await start(undefined, { store, revocationReplica: { connectionString: db.url } });
    await eventually(() => expect(replicaOf(reader).status.synced).toBe(true), 20_000);
    stop = true;
    await racing;
    // Revocations did commit while the reader was loading.
    const syncedAt = replicaOf(reader).status.lastSyncedAt!.getTime();
    expect(revokedAt.filter((at) => at > loadStarted && at < syncedAt).length).toBeGreaterThan(0);
    // Those committed after the load's last read reach the reader a little later (a notification, or the next
    // read of the log): wait for them. One that the load missed never arrives, since later reads only look at
    // writers that the load's snapshot did not see.
    await eventually(() => expect(replicaOf(reader).status.entries).toBeGreaterThanOrEqual(200_000 + revoked.length), 10_000);
    await withoutStall(replicaOf(reader), async () => {
      calls.length = 0;
      for (const token of revoked) await expect(reader.tokens.parseToken(token)).rejects.toBeInstanceOf(TokenRevokedError);
      for (const token of issued.slice(revoked.length)) await expect(reader.tokens.parseToken(token.token)).resolves.toBeDefined();
    });
    expect(calls.filter((call) => call === 'isRevoked')).toEqual([]);
    await db.query(`DELETE FROM revoked_tokens WHERE user_id = 'bulk-user'`);
  }, 60_000);

  it('reads the revocation log at once after a notification it cannot read, rather than guess what it missed', async () => {
    // Polling rarely: only the notification can make it read before the test ends.
    const app = await start(db.prisma, { revocationReplica: { connectionString: db.url, pollIntervalMs: 60_000 } });
    await eventually(() => expect(replicaOf(app).status.synced).toBe(true));
    const { token } = await app.tokens.generateToken('unreadable-user');
    // Revoked behind the replica's back (no notification), then a garbled one arrives.
    const stallsBefore = replicaOf(app).status.stalls;
    await db.query(`INSERT INTO revoked_tokens (id, kind, user_id, expires_at)
                    SELECT session_id, 'session', user_id, expires_at FROM token_sessions WHERE user_id = 'unreadable-user'`);
    const acceptedBeforeNotification = await app.tokens.parseToken(token).then(() => true, () => false);
    // An event-loop stall on a loaded machine makes the replica read the log (or ask the database) by itself:
    // only without one does this show that the replica had not seen the revocation yet.
    // (A stall is counted at the first turn after it: give that turn time to come.)
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (replicaOf(app).status.stalls === stallsBefore) expect(acceptedBeforeNotification).toBe(true);
    await db.query(`SELECT pg_notify($1, 'garbled')`, [REVOCATION_CHANNEL]);
    await eventually(() => expect(app.tokens.parseToken(token)).rejects.toBeInstanceOf(TokenRevokedError));
    await eventually(() => expect(replicaOf(app).status.synced).toBe(true));
  });

  it('over its bound, stays correct: what it holds is refused from memory, the rest asked of the database', async () => {
    const { store, calls } = recordingTokenStore(new PrismaTokenStore(db.connectAnotherClient()));
    const app = await start(undefined, { store, revocationReplica: { connectionString: db.url, maxEntries: 3 } });
    await eventually(() => expect(replicaOf(app).status.synced || replicaOf(app).status.overflowed).toBe(true));
    const tokens = await Promise.all(Array.from({ length: 5 }, () => app.tokens.generateToken('bounded-user')));
    for (const token of tokens) await app.tokens.revokeToken(token.token);
    await eventually(() => expect(replicaOf(app).status.overflowed).toBe(true));
    calls.length = 0;
    for (const token of tokens) await expect(app.tokens.parseToken(token.token)).rejects.toBeInstanceOf(TokenRevokedError);
    const fresh = await app.tokens.generateToken('bounded-user');
    await expect(app.tokens.parseToken(fresh.token)).resolves.toBeDefined();
    expect(calls.filter((call) => call === 'isRevoked').length).toBeGreaterThan(0);
  });
});
