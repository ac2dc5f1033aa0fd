import { randomBytes } from 'node:crypto';
import passport from 'passport';
import { TRACKED_JWT_STRATEGY } from '../../src/index.js';
import { RunningApp, startExampleApp } from '../support/http-app.js';
import { createTestDatabase, TestDatabase } from '../support/test-database.js';

/**
 * Two applications in one process (end-to-end suites, hybrid apps), each
 * with its own keys: each guard must verify with its own module's keys,
 * although Passport's registry is process-wide.
 */
describe('two applications in one process', () => {
  let db: TestDatabase;
  let first: RunningApp;
  let second: RunningApp;
  let secondClosed = false;
  const registered = (name: string) => (passport as unknown as { _strategy(name: string): unknown })._strategy(name) !== undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    first = await startExampleApp({ prisma: db.prisma, tokenTracking: { signing: { algorithm: 'HS256', secret: randomBytes(32) }, issuer: 'first-app' } });
    second = await startExampleApp({ prisma: db.connectAnotherClient(), tokenTracking: { signing: { algorithm: 'HS256', secret: randomBytes(32) }, issuer: 'second-app' } });
  });

  afterAll(async () => {
    await first?.close();
    if (!secondClosed) await second?.close();
    await db?.dispose();
  });

  it('lets each guard accept its own tokens and refuse the other application\'s', async () => {
    const fromFirst = await first.login('alice');
    const fromSecond = await second.login('alice');
    expect((await first.request('GET', '/profile', { token: fromFirst })).status).toBe(200);
    expect((await second.request('GET', '/profile', { token: fromSecond })).status).toBe(200);
    expect((await first.request('GET', '/profile', { token: fromSecond })).body.code).toBe('INVALID_SIGNATURE');
    expect((await second.request('GET', '/profile', { token: fromFirst })).body.code).toBe('INVALID_SIGNATURE');
  });

  it('gives each application a strategy name of its own, and frees it when the application closes', async () => {
    expect(registered(TRACKED_JWT_STRATEGY)).toBe(true);
    expect(registered(`${TRACKED_JWT_STRATEGY}-2`)).toBe(true);
    await second.close();
    secondClosed = true;
    expect(registered(`${TRACKED_JWT_STRATEGY}-2`)).toBe(false);
    const third = await startExampleApp({ prisma: db.connectAnotherClient(), tokenTracking: { signing: { algorithm: 'HS256', secret: randomBytes(32) }, issuer: 'third-app' } });
    try {
      expect(registered(`${TRACKED_JWT_STRATEGY}-2`)).toBe(true);
      expect((await third.request('GET', '/profile', { token: await third.login('bob') })).status).toBe(200);
    } finally {
      await third.close();
    }
  });
});
