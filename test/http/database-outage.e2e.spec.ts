import { createPrismaClient } from '../../dev/prisma.js';
import { RevocationChecker } from '../../src/index.js';
import { eventually } from '../support/eventually.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { startExampleApp } from '../support/http-app.js';
import { createTestDatabase, TestDatabase } from '../support/test-database.js';

/** The example application reaches its database through a proxy the test can cut. */
async function startBehindProxy(db: TestDatabase, settings: Parameters<typeof startExampleApp>[0]['tokenTracking'] = {}) {
  const proxy = await FaultProxy.start(db.url);
  const prisma = createPrismaClient(proxy.url);
  const running = await startExampleApp({ prisma, tokenTracking: settings });
  return {
    proxy,
    running,
    close: async () => {
      await running.close();
      await prisma.$disconnect();
      await proxy.close();
    },
  };
}

describe('when the database goes down and comes back', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('answers 503 STORE_UNAVAILABLE while it is down (even with the replica), then recovers by itself', async () => {
    const proxy = await FaultProxy.start(db.url);
    const prisma = createPrismaClient(proxy.url);
    const running = await startExampleApp({
      prisma,
      tokenTracking: { revocationReplica: { connectionString: proxy.url, heartbeatSeconds: 1 } },
    });
    try {
      const token = await running.login('alice');
      expect((await running.request('GET', '/profile', { token })).status).toBe(200);
      const checker = running.app.get(RevocationChecker, { strict: false });
      await eventually(async () => expect(checker.status.synced).toBe(true), 15_000);

      proxy.reset();
      await eventually(async () => {
        const down = await running.request('GET', '/profile', { token });
        expect(down).toMatchObject({ status: 503, body: { code: 'STORE_UNAVAILABLE', statusCode: 503 } });
      }, 15_000);
      const login = await running.request('POST', '/auth/login', { body: { username: 'bob', password: 'bob-password' } });
      expect(login).toMatchObject({ status: 503, body: { code: 'STORE_UNAVAILABLE' } });
      // Readiness says so, naming the cause, so a load balancer can route around this instance.
      const health = await running.request('GET', '/health');
      expect(health).toMatchObject({ status: 503, body: { status: 'error', error: { token_tracking: { status: 'down', store: { reachable: false } } } } });
      // Often public: it says what failed, never where the database is.
      const storeError = health.body.error.token_tracking.store.error as string;
      expect(storeError).toMatch(/^the database( did not answer|: no answer within)/);
      expect(storeError).not.toContain(new URL(proxy.url).port);

      proxy.restore();
      await eventually(async () => expect((await running.request('GET', '/profile', { token })).status).toBe(200), 15_000);
      await eventually(async () => expect(checker.status.synced).toBe(true), 15_000);
      expect(await running.request('GET', '/health')).toMatchObject({
        status: 200,
        body: { status: 'ok', info: { token_tracking: { status: 'up', store: { reachable: true }, replica: { enabled: true, synced: true } } } },
      });
      expect((await running.request('POST', '/auth/login', { body: { username: 'bob', password: 'bob-password' } })).status).toBe(200);
    } finally {
      await running.close();
      await prisma.$disconnect();
      await proxy.close();
    }
  }, 60_000);

  it("with 'accept-signed', lets a validly signed token through once a check gets no answer within its deadline (a black hole)", async () => {
    const { proxy, running, close } = await startBehindProxy(db, { whenStoreUnavailable: 'accept-signed', storeTimeouts: { revocationCheckMs: 300 } });
    try {
      const token = await running.login('alice');
      proxy.blackhole();
      const started = performance.now();
      expect((await running.request('GET', '/profile', { token })).status).toBe(200);
      // The check's deadline, with room for a noisy machine; without one this waits as long as the socket lives.
      expect(performance.now() - started).toBeLessThan(5_000);
      // A login has no such path: an outage, answered within the write deadline.
      const login = await running.request('POST', '/auth/login', { body: { username: 'bob', password: 'bob-password' } });
      expect(login).toMatchObject({ status: 503, body: { code: 'STORE_UNAVAILABLE' } });
    } finally {
      // The black hole swallowed the hung queries: only a reset gives their connections back to the pool (and lets it end).
      proxy.reset();
      await close();
    }
  }, 60_000);

  it("with 'accept-signed', lets validly signed tokens through while it is down, and still rejects forged ones", async () => {
    const { proxy, running, close } = await startBehindProxy(db, { whenStoreUnavailable: 'accept-signed' });
    try {
      const token = await running.login('alice');
      proxy.reset();
      await eventually(async () => expect((await running.request('GET', '/profile', { token })).status).toBe(200), 15_000);
      const forged = `${token.slice(0, -4)}AAAA`;
      expect(await running.request('GET', '/profile', { token: forged })).toMatchObject({ status: 401, body: { code: 'INVALID_SIGNATURE' } });
    } finally {
      await close();
    }
  }, 60_000);
});

describe('a browser session while the database is down', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('keeps the refresh cookie through a 503, so that the page retries rather than signing out', async () => {
    const behind = await startBehindProxy(db);
    try {
      const sameOrigin = { origin: behind.running.baseUrl, 'x-token-tracking-csrf': '1' };
      const login = await behind.running.request('POST', '/auth/browser/login', { body: { username: 'alice', password: 'alice-password' }, headers: sameOrigin });
      expect(login.status).toBe(200);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;

      behind.proxy.reset();
      await eventually(async () => {
        const refresh = await behind.running.request('POST', '/auth/browser/refresh', { headers: { ...sameOrigin, cookie } });
        expect({ status: refresh.status, code: refresh.body.code, cookie: refresh.headers.get('set-cookie') }).toEqual({ status: 503, code: 'STORE_UNAVAILABLE', cookie: null });
      }, 15_000);
      const logout = await behind.running.request('POST', '/auth/browser/logout', { headers: { ...sameOrigin, cookie } });
      expect({ status: logout.status, cookie: logout.headers.get('set-cookie') }).toEqual({ status: 503, cookie: null });

      behind.proxy.restore();
      await eventually(async () => {
        const refresh = await behind.running.request('POST', '/auth/browser/refresh', { headers: { ...sameOrigin, cookie } });
        expect(refresh.status).toBe(200);
      }, 15_000);
    } finally {
      await behind.close();
    }
  });
});
