import { createServer } from 'node:net';
import pg from 'pg';
import { createPrismaClient } from '../dev/prisma.js';
import { PurgeScheduler, TokenStoreUnavailableError, TokenTrackingHealthIndicator } from '../src/index.js';
import { createTestDatabase } from './support/test-database.js';
import { TestSigner } from './support/test-signer.js';
import { startTokenTracking, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET, TokenTrackingApp } from './support/token-tracking-app.js';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('when the database cannot be reached', () => {
  let app: TokenTrackingApp;
  let prisma: ReturnType<typeof createPrismaClient>;
  let port: number;

  beforeAll(async () => {
    port = await closedPort();
    prisma = createPrismaClient(`postgresql://postgres:postgres@127.0.0.1:${port}/none`);
    app = await startTokenTracking(prisma, { maxUserSessions: 3 });
  });

  afterAll(async () => {
    await app?.close();
    await prisma?.$disconnect();
  });

  it('refuses a validly signed token rather than trusting it (fails closed)', async () => {
    const now = Date.now() / 1000;
    const token = new TestSigner('HS256', TEST_SECRET).sign({
      iss: TEST_ISSUER, aud: [TEST_AUDIENCE], sub: 'u', jti: 'j'.repeat(43), iat: now, exp: Math.floor(now) + 60,
    });
    const error = await app.tokens.parseToken(token).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenStoreUnavailableError);
    expect((error as TokenStoreUnavailableError).code).toBe('STORE_UNAVAILABLE');
    expect((error as Error).cause).toBeDefined();
  });

  it('keeps the database\'s address and the driver\'s words out of the health answer, for a purge scheduled or called', async () => {
    const indicator = app.get<TokenTrackingHealthIndicator>(TokenTrackingHealthIndicator);
    const expected = {
      lastOutcome: 'failed',
      lastError: 'the database could not be reached (STORE_UNAVAILABLE); the cause is in the server log',
    };
    await app.get<PurgeScheduler>(PurgeScheduler).tick();
    const scheduled = await indicator.isHealthy();
    expect(scheduled.token_tracking?.purge).toMatchObject(expected);
    await expect(app.tokens.purgeExpired()).rejects.toBeInstanceOf(TokenStoreUnavailableError);
    const called = await indicator.isHealthy();
    expect(called.token_tracking?.purge).toMatchObject(expected);
    for (const health of [scheduled, called]) {
      expect(JSON.stringify(health)).not.toMatch(new RegExp(`127\\.0\\.0\\.1|${port}|postgres|reach database server|ECONNREFUSED`, 'i'));
    }
  });

  it('fails issuance, counting and revocation with the same clear error', async () => {
    await expect(app.tokens.generateToken('u')).rejects.toBeInstanceOf(TokenStoreUnavailableError);
    await expect(app.tokens.getUserSessionCount('u')).rejects.toBeInstanceOf(TokenStoreUnavailableError);
    await expect(app.tokens.revokeAllUserTokens('u')).rejects.toBeInstanceOf(TokenStoreUnavailableError);
  });
});

describe('when a table is locked longer than the role allows (lock_timeout)', () => {
  it('answers 503 STORE_UNAVAILABLE, not a 500, and works again once the lock is gone', async () => {
    const db = await createTestDatabase();
    const dbName = new URL(db.url).pathname.slice(1);
    await db.query(`ALTER DATABASE ${dbName} SET lock_timeout = '300ms'`);
    // A client that connects after the ALTER, so its sessions take the setting.
    const app = await startTokenTracking(db.connectAnotherClient(), { maxUserSessions: 3 });
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK token_sessions IN ACCESS EXCLUSIVE MODE');
      const refused = await app.tokens.generateToken('locked-out-user').catch((caught: unknown) => caught);
      expect(refused).toBeInstanceOf(TokenStoreUnavailableError);
      await locker.query('COMMIT');
      await expect(app.tokens.generateToken('locked-out-user')).resolves.toMatchObject({ userId: 'locked-out-user' });
    } finally {
      await locker.end();
      await app.close();
      await db.dispose();
    }
  });
});
