import { PrismaTokenStore, RevocationChecker, TokenRevokedError, TokenStore } from '../src/index.js';
import { eventually } from './support/eventually.js';
import { recordingTokenStore } from './support/recording-token-store.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TokenTrackingApp } from './support/token-tracking-app.js';
import { withoutStall } from './support/without-stall.js';

describe('two application instances on one database, with the revocation cache', () => {
  let db: TestDatabase;
  let a: TokenTrackingApp;
  let b: TokenTrackingApp;
  let bCalls: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    const revocationReplica = { connectionString: db.url, heartbeatSeconds: 1 };
    a = await startTokenTracking(db.prisma, { revocationReplica, maxUserSessions: 3 });
    let bStore: TokenStore;
    ({ store: bStore, calls: bCalls } = recordingTokenStore(new PrismaTokenStore(db.connectAnotherClient())));
    b = await startTokenTracking(undefined, { store: bStore, revocationReplica, maxUserSessions: 3 });
    await eventually(async () => {
      expect(a.get<RevocationChecker>(RevocationChecker).status.synced).toBe(true);
      expect(b.get<RevocationChecker>(RevocationChecker).status.synced).toBe(true);
    });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.dispose();
  });

  beforeEach(() => {
    bCalls.length = 0;
  });

  it('answers every check from memory: no database query at all while in sync', async () => {
    const { token } = await a.tokens.generateToken('cached-user');
    await withoutStall(b.get<RevocationChecker>(RevocationChecker), async () => {
      bCalls.length = 0;
      for (let n = 0; n < 20; n++) await b.tokens.parseToken(token);
    });
    expect(bCalls.filter((call) => call === 'isRevoked')).toHaveLength(0);
  });

  it('rejects on the other instance a token revoked on one, without being asked twice', async () => {
    const { token } = await a.tokens.generateToken('revoked-elsewhere');
    await b.tokens.parseToken(token);
    await a.tokens.revokeToken(token);
    await eventually(() => expect(b.tokens.parseToken(token)).rejects.toBeInstanceOf(TokenRevokedError));
  });

  it('rejects at once on the instance that revoked, even with the verdict cached', async () => {
    const { token } = await b.tokens.generateToken('revoked-here');
    await b.tokens.parseToken(token);
    await b.tokens.revokeToken(token);
    await expect(b.tokens.parseToken(token)).rejects.toBeInstanceOf(TokenRevokedError);
  });

  it('honours a revoke-all made on the other instance, for tracked and untracked tokens', async () => {
    const tracked = await a.tokens.generateToken('revoke-all-elsewhere');
    const untrackedApp = await startTokenTracking(db.prisma, { trackUserTokens: false });
    const untracked = await untrackedApp.tokens.generateToken('revoke-all-elsewhere').finally(() => untrackedApp.close());
    await b.tokens.parseToken(tracked.token);
    await b.tokens.parseToken(untracked.token);
    await a.tokens.revokeAllUserTokens('revoke-all-elsewhere');
    await eventually(async () => {
      await expect(b.tokens.parseToken(tracked.token)).rejects.toBeInstanceOf(TokenRevokedError);
      await expect(b.tokens.parseToken(untracked.token)).rejects.toBeInstanceOf(TokenRevokedError);
    });
  });

  it('holds the cap exactly for concurrent logins spread over both instances', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, n) => (n % 2 ? a : b).tokens.generateToken('spread-user')),
    );
    expect(results.filter((result) => result.status === 'fulfilled').length).toBe(3);
    expect(await a.tokens.getUserSessionCount('spread-user')).toBe(3);
  });

  it('does not keep a revoked token alive when notifications are missed: the log read catches it, nothing is reloaded', async () => {
    const checker = b.get<RevocationChecker>(RevocationChecker);
    const syncedAt = checker.status.lastSyncedAt;
    const { token } = await a.tokens.generateToken('missed-notification-user');
    await b.tokens.parseToken(token);
    // Both LISTEN connections up (one may be reconnecting after a slow probe), then kill them and revoke while B cannot hear it.
    await eventually(() => {
      expect(a.get<RevocationChecker>(RevocationChecker).status.connected).toBe(true);
      expect(checker.status.connected).toBe(true);
    }, 10_000);
    const [killed] = await db.query<{ killed: number }>(`
      SELECT count(pg_terminate_backend(pid))::int AS killed FROM pg_stat_activity
       WHERE application_name = 'token-tracking-replica' AND datname = current_database()`);
    expect(killed?.killed).toBe(2);
    await eventually(() => expect(checker.status.connected).toBe(false), 1_000);
    await a.tokens.revokeToken(token);
    const revokedAt = Date.now();
    // Within one read of the revocation log (every second by default), with room for a loaded machine;
    // well before the replica would turn stale (5 s) and ask the database instead.
    await eventually(() => expect(b.tokens.parseToken(token)).rejects.toBeInstanceOf(TokenRevokedError), 3_000);
    expect(Date.now() - revokedAt).toBeLessThan(3_000);
    // The replica kept what it had and went on from its last position.
    expect(checker.status.synced).toBe(true);
    expect(checker.status.lastSyncedAt).toEqual(syncedAt);

    // LISTEN comes back by itself, and notifications apply again.
    await eventually(() => expect(checker.status.connected).toBe(true), 10_000);
    const next = await a.tokens.generateToken('missed-notification-user');
    await b.tokens.parseToken(next.token);
    await a.tokens.revokeToken(next.jti);
    await eventually(() => expect(b.tokens.parseToken(next.token)).rejects.toBeInstanceOf(TokenRevokedError));
  });
});
