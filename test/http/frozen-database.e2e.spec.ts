import { PrismaPg } from '@prisma/adapter-pg';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { databaseUrl, EmbeddedPostgresServer, startEmbeddedPostgres } from '../../dev/local-postgres.mjs';
import { applyMigrations } from '../../dev/migrate.mjs';
import { PrismaClient } from '../../dev/prisma.js';
import { TokenTrackingService } from '../../src/index.js';
import { DEFAULT_STORE_TIMEOUTS } from '../../src/store/store-timeouts.js';
import { JsonResponse, RunningApp, startExampleApp } from '../support/http-app.js';

/** Generous: the deadline itself, plus a noisy shared machine's scheduling and the route's own work (scrypt at login). */
const MARGIN_MS = 4_000;

/** The postmaster of the server `client` is connected to, and every process it started. */
async function serverProcesses(client: pg.Client): Promise<number[]> {
  const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  // Field 4 of /proc/<pid>/stat (after the parenthesised name) is the parent: the postmaster.
  const postmaster = Number(readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  return [postmaster, ...children];
}

async function timed(work: () => Promise<JsonResponse>): Promise<{ response: JsonResponse; ms: number }> {
  const started = performance.now();
  const response = await work();
  return { response, ms: performance.now() - started };
}

/**
 * A database that stops answering (SIGSTOP on the server: the kernel still
 * accepts connections and acknowledges every packet, so nothing is refused
 * and no keepalive notices) is an outage: every request answers 503 within
 * its call's deadline, however many wait, and the application recovers by
 * itself once the server resumes. The figures printed are the ones
 * docs/operations.md quotes.
 */
describe('a frozen database', () => {
  let server: EmbeddedPostgresServer;
  let prisma: PrismaClient;
  let running: RunningApp;
  let admin: pg.Client;
  let frozen: number[] = [];

  beforeAll(async () => {
    server = await startEmbeddedPostgres();
    const url = databaseUrl(server.url, 'postgres');
    await applyMigrations(url);
    // The pool settings docs/operations.md recommends.
    prisma = new PrismaClient({
      adapter: new PrismaPg({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000, query_timeout: 10_000, keepAlive: true }),
    });
    running = await startExampleApp({ prisma });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  }, 120_000);

  afterAll(async () => {
    for (const pid of frozen) process.kill(pid, 'SIGCONT');
    await admin?.end().catch(() => undefined);
    await running?.close();
    await prisma?.$disconnect();
    await server?.stop();
  }, 60_000);

  it('answers 503 within each call\'s deadline while frozen, and recovers within seconds of the resume', async () => {
    const token = await running.login('alice');
    const pair = await running.request('POST', '/auth/login', { body: { username: 'bob', password: 'bob-password' } });
    const service = running.app.get(TokenTrackingService, { strict: false });
    expect((await running.request('GET', '/profile', { token })).status).toBe(200);
    expect((await running.request('GET', '/auth/sessions', { token })).status).toBe(200);

    frozen = await serverProcesses(admin);
    const frozenAt = performance.now();
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');

    // More requests than the pool has connections, of each kind at once.
    const checks = Array.from({ length: 8 }, () => timed(() => running.request('GET', '/profile', { token })));
    const listings = Array.from({ length: 4 }, () => timed(() => running.request('GET', '/auth/sessions', { token })));
    const logins = Array.from({ length: 4 }, () =>
      timed(() => running.request('POST', '/auth/login', { body: { username: 'bob', password: 'bob-password' } })));
    const refreshes = Array.from({ length: 2 }, () =>
      timed(() => running.request('POST', '/auth/refresh', { body: { refreshToken: pair.body.refreshToken } })));
    // A logout finds the session (a read), then revokes it (a write).
    const logout = (async () => {
      const started = performance.now();
      const error = await service.revokeToken(pair.body.accessToken).catch((caught: unknown) => caught);
      return { response: { status: (error as { getStatus?: () => number }).getStatus?.(), body: (error as { getResponse?: () => unknown }).getResponse?.() } as JsonResponse, ms: performance.now() - started };
    })();
    const firstAnswer = await Promise.race(checks);
    const firstUnavailableMs = performance.now() - frozenAt;
    for (const [kind, calls, deadlineMs] of [
      ['check', checks, DEFAULT_STORE_TIMEOUTS.revocationCheckMs],
      ['listing', listings, DEFAULT_STORE_TIMEOUTS.readMs],
      ['login', logins, DEFAULT_STORE_TIMEOUTS.writeMs],
      ['refresh', refreshes, DEFAULT_STORE_TIMEOUTS.writeMs],
      ['logout', [logout], DEFAULT_STORE_TIMEOUTS.readMs + DEFAULT_STORE_TIMEOUTS.writeMs],
    ] as const) {
      for (const { response, ms } of await Promise.all(calls)) {
        expect({ kind, status: response.status, code: response.body?.code }).toEqual({ kind, status: 503, code: 'STORE_UNAVAILABLE' });
        expect(ms).toBeLessThan(deadlineMs + MARGIN_MS);
      }
    }
    // Still frozen, and the pool's connections all hung: new requests still answer in time.
    const again = await timed(() => running.request('GET', '/profile', { token }));
    expect(again.response.status).toBe(503);
    expect(again.ms).toBeLessThan(DEFAULT_STORE_TIMEOUTS.revocationCheckMs + MARGIN_MS);

    const resumedAt = performance.now();
    for (const pid of frozen) process.kill(pid, 'SIGCONT');
    frozen = [];
    let recoveredMs = -1;
    for (let tries = 0; tries < 300; tries++) {
      if ((await running.request('GET', '/profile', { token })).status === 200) {
        recoveredMs = performance.now() - resumedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(recoveredMs).toBeGreaterThanOrEqual(0);
    expect(recoveredMs).toBeLessThan(15_000);
    expect((await running.request('GET', '/auth/sessions', { token })).status).toBe(200);
    expect((await running.request('POST', '/auth/login', { body: { username: 'bob', password: 'bob-password' } })).status).toBe(200);
    console.log(
      `frozen database: first 503 after ${Math.round(firstUnavailableMs)} ms (check answered in ${Math.round(firstAnswer.ms)} ms); ` +
        `requests served again ${Math.round(recoveredMs)} ms after the resume`,
    );
  }, 120_000);
});
