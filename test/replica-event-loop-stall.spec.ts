import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { RevocationChecker, TokenRevokedError } from '../src/index.js';
import { eventually } from './support/eventually.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TokenTrackingApp } from './support/token-tracking-app.js';

/**
 * Another process revokes a session (and PostgreSQL sends the notification)
 * while this process's event loop is stalled; the first check after the
 * stall runs before the notification has been read from its socket. That
 * check must not answer "not revoked" from memory.
 */
describe('the revocation replica after an event-loop stall', () => {
  let db: TestDatabase;
  let app: TokenTrackingApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    // 'reject' too: catching up after a stall is not being out of sync, so checks ask the database rather than answer 503.
    app = await startTokenTracking(db.prisma, { revocationReplica: { connectionString: db.url, whenUnsynced: 'reject' } });
    await eventually(async () => expect(app.get<RevocationChecker>(RevocationChecker).status.synced).toBe(true));
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  /** Blocks this thread while a worker thread (another event loop) revokes the session, as another instance would. */
  function stallWhileAnotherProcessRevokes(sessionId: string, stallMs: number): void {
    const done = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(`
      const { workerData } = require('node:worker_threads');
      const { Client } = require('pg');
      (async () => {
        const client = new Client({ connectionString: workerData.url });
        await client.connect();
        await client.query("SELECT * FROM token_tracking_revoke_sessions(ARRAY[$1]::varchar[], now(), 'stall-test')", [workerData.sessionId]);
        await client.end();
        Atomics.store(workerData.done, 0, 1);
        Atomics.notify(workerData.done, 0);
      })().catch((error) => { console.error(error); Atomics.store(workerData.done, 0, 2); Atomics.notify(workerData.done, 0); });
    `, { eval: true, workerData: { url: db.url, sessionId, done } });
    const started = performance.now();
    Atomics.wait(done, 0, 0, 10_000);
    if (Atomics.load(done, 0) !== 1) throw new Error('the worker could not revoke the session');
    // Give the notification time to reach this process's socket, unread.
    while (performance.now() - started < stallMs) { /* stalled */ }
    void worker.terminate();
  }

  it('asks the database rather than answer from memory, so the token is refused', async () => {
    const revoked = await app.tokens.generateToken('stalled-user');
    const kept = await app.tokens.generateToken('stalled-user');
    await expect(app.tokens.parseToken(revoked.token)).resolves.toMatchObject({ sessionId: revoked.sessionId });
    const checker = app.get<RevocationChecker>(RevocationChecker);
    const stallsBefore = checker.status.stalls;
    stallWhileAnotherProcessRevokes(revoked.sessionId, 600);
    // Checked before this thread has read anything from its sockets.
    const verdict = app.tokens.parseToken(revoked.token);
    await expect(verdict).rejects.toBeInstanceOf(TokenRevokedError);
    await expect(app.tokens.parseToken(kept.token)).resolves.toMatchObject({ sessionId: kept.sessionId });
    // The path under test ran: the stall was noticed.
    await eventually(async () => expect(checker.status.stalls).toBeGreaterThan(stallsBefore));
    // Caught up: the replica answers again, and knows the revocation.
    await eventually(async () => expect(app.get<RevocationChecker>(RevocationChecker).status.synced).toBe(true));
    await expect(app.tokens.parseToken(revoked.token)).rejects.toBeInstanceOf(TokenRevokedError);
  });
});
