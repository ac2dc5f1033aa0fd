import { createPrismaClient, PrismaClient } from '../dev/prisma.js';
import { RevocationChecker, TokenRevokedError, TokenTrackingHealthIndicator } from '../src/index.js';
import { eventually } from './support/eventually.js';
import { PgBouncer, pgBouncerAvailable, startPgBouncer } from './support/pgbouncer.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TokenTrackingApp } from './support/token-tracking-app.js';

/**
 * An instance whose every connection goes through a transaction-mode
 * PgBouncer, as with the pooled URL of many hosted PostgreSQL services: its
 * LISTEN registers on a server connection that is lent to someone else
 * after one statement, and no notification ever arrives. That must be
 * noticed and said, and revocations made elsewhere must still be refused.
 */
(pgBouncerAvailable() ? describe : describe.skip)('behind a transaction-mode pooler', () => {
  let db: TestDatabase;
  let bouncer: PgBouncer;
  let pooledPrisma: PrismaClient;
  let writer: TokenTrackingApp;
  let pooled: TokenTrackingApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    bouncer = await startPgBouncer(db.url, 'transaction');
    pooledPrisma = createPrismaClient(bouncer.url);
    writer = await startTokenTracking(db.prisma, { maxUserSessions: 3 });
    pooled = await startTokenTracking(pooledPrisma, {
      maxUserSessions: 3,
      // The quick start's mistake: the pooled URL given for LISTEN too.
      revocationReplica: { connectionString: bouncer.url, heartbeatSeconds: 1, pollIntervalMs: 250 },
    });
  });

  afterAll(async () => {
    await pooled?.close();
    await writer?.close();
    await pooledPrisma?.$disconnect();
    await bouncer?.stop();
    await db?.dispose();
  }, 60_000);

  it('says that notifications do not arrive, naming transaction pooling, in its status and health', async () => {
    const checker = pooled.get<RevocationChecker>(RevocationChecker);
    await eventually(() => expect(checker.status.listenFailure).toMatch(/transaction-mode pooler/), 10_000);
    expect(checker.status.connected).toBe(false);
    await eventually(() => expect(checker.status.synced).toBe(true));
    const health = await pooled.get<TokenTrackingHealthIndicator>(TokenTrackingHealthIndicator).isHealthy();
    expect(health.token_tracking?.replica).toMatchObject({ synced: true, notifications: 'not-arriving' });
  });

  it('refuses every token revoked on another instance within the poll interval', async () => {
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, n) => writer.tokens.generateToken(`pooled-user-${n}`)));
    for (const { token } of tokens) await pooled.tokens.parseToken(token);
    const lateAcceptances: number[] = [];
    for (const { token } of tokens) {
      await writer.tokens.revokeToken(token);
      const revokedAt = performance.now();
      await eventually(async () => {
        await expect(pooled.tokens.parseToken(token)).rejects.toBeInstanceOf(TokenRevokedError);
      }, 10_000);
      const took = performance.now() - revokedAt;
      // Poll interval plus one read, with room for a loaded machine.
      if (took > 1_500) lateAcceptances.push(took);
    }
    expect(lateAcceptances).toEqual([]);
  });

  it('holds the cap through the pooler, with logins on both instances', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, n) => (n % 2 ? writer : pooled).tokens.generateToken('pooled-cap-user')),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);
  });
});
