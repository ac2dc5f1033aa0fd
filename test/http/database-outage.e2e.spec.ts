import { startEmbeddedPostgres } from '../../dev/local-postgres.mjs';
import { applyMigrations } from '../../dev/migrate.mjs';
import { createPrismaClient } from '../../dev/prisma.js';
import { RevocationChecker } from '../../src/sync/revocation-checker.js';
import { eventually } from '../support/eventually.js';
import { RunningApp, startExampleApp } from '../support/http-app.js';

/** Needs a server it may stop: always an embedded one of its own, whatever DATABASE_URL says. */
describe('when the database goes down and comes back', () => {
  let server: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  let prisma: ReturnType<typeof createPrismaClient>;
  let running: RunningApp;

  beforeAll(async () => {
    server = await startEmbeddedPostgres();
    await applyMigrations(server.url);
    prisma = createPrismaClient(server.url);
    running = await startExampleApp({
      prisma,
      tokenTracking: { revocationCache: { connectionString: server.url, heartbeatSeconds: 1 } },
    });
  }, 60_000);

  afterAll(async () => {
    await running?.close();
    await prisma?.$disconnect();
    await server?.stop();
  });

  it('answers 503 STORE_UNAVAILABLE while it is down (even for a cached token), then recovers by itself', async () => {
    const token = await running.login('alice');
    expect((await running.request('GET', '/profile', { token })).status).toBe(200);
    const checker = running.app.get(RevocationChecker, { strict: false });
    await eventually(async () => expect(checker.cacheSynced).toBe(true), 15_000);

    await server.pause();
    await eventually(async () => {
      const down = await running.request('GET', '/profile', { token });
      expect(down).toMatchObject({ status: 503, body: { code: 'STORE_UNAVAILABLE', statusCode: 503 } });
    }, 15_000);
    const login = await running.request('POST', '/auth/login', { body: { username: 'bob', password: 'bob-password' } });
    expect(login).toMatchObject({ status: 503, body: { code: 'STORE_UNAVAILABLE' } });
    expect(await running.request('GET', '/health')).toMatchObject({ status: 200 });

    await server.resume();
    await eventually(async () => expect((await running.request('GET', '/profile', { token })).status).toBe(200), 15_000);
    await eventually(async () => expect(checker.cacheSynced).toBe(true), 15_000);
    expect((await running.request('POST', '/auth/login', { body: { username: 'bob', password: 'bob-password' } })).status).toBe(200);
  });
});

describe("whenStoreUnavailable: 'accept-signed'", () => {
  it('lets validly signed tokens through while the database is down, and still rejects forged ones', async () => {
    const server = await startEmbeddedPostgres();
    await applyMigrations(server.url);
    const prisma = createPrismaClient(server.url);
    const running = await startExampleApp({ prisma, tokenTracking: { whenStoreUnavailable: 'accept-signed' } });
    try {
      const token = await running.login('alice');
      await server.pause();
      await eventually(async () => expect((await running.request('GET', '/profile', { token })).status).toBe(200), 15_000);
      const forged = `${token.slice(0, -4)}AAAA`;
      expect(await running.request('GET', '/profile', { token: forged })).toMatchObject({ status: 401, body: { code: 'INVALID_SIGNATURE' } });
    } finally {
      await running.close();
      await prisma.$disconnect();
      await server.stop();
    }
  }, 60_000);
});
