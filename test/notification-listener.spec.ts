import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { FeedClient, NotificationListener } from '../src/revocation/notification-listener.js';
import { eventually } from './support/eventually.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';

const PROBE_INTERVAL_MS = 300;

/**
 * The listener trusts LISTEN only while probes sent through the pool come
 * back. When none ever does it names transaction pooling, the usual cause;
 * a direct connection whose first probe is merely slow (a busy process, a
 * cold database) must not be blamed on a pooler.
 */
describe('the notification listener\'s probe', () => {
  let db: TestDatabase;
  let listener: NotificationListener | undefined;

  const createClient = async (connectionString: string) => new pg.Client({ connectionString }) as unknown as FeedClient;
  const sendThroughPool = (channel: string, payload: string) => db.query('SELECT pg_notify($1, $2)', [channel, payload]).then(() => undefined);
  const listen = (sendProbe: (channel: string, payload: string) => Promise<void>) => {
    listener = new NotificationListener(
      { connectionString: db.url, probeIntervalMs: PROBE_INTERVAL_MS, reconnectMinMs: 50, reconnectMaxMs: 100 },
      createClient, sendProbe, () => undefined,
    );
    listener.start();
    return listener;
  };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase();
  });

  afterEach(async () => {
    await listener?.stop();
    listener = undefined;
  });

  afterAll(async () => {
    await db?.dispose();
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
  });

  it('a slow first probe on a direct connection is reported as late, not as a pooler, and listening resumes', async () => {
    let probes = 0;
    const failures: string[] = [];
    const subject = listen(async (channel, payload) => {
      // The first probe arrives after the interval: a slow start.
      if (++probes === 1) await sleep(PROBE_INTERVAL_MS * 2);
      await sendThroughPool(channel, payload);
    });
    const watch = setInterval(() => subject.failure && failures.push(subject.failure), 10);
    try {
      await eventually(() => expect(failures.length).toBeGreaterThan(0), 10_000);
      await eventually(() => expect(subject.listening).toBe(true), 10_000);
    } finally {
      clearInterval(watch);
    }
    expect(failures.some((reason) => /did not arrive within/.test(reason))).toBe(true);
    expect(failures.filter((reason) => /transaction-mode pooler/.test(reason))).toEqual([]);
  });

  it('probes that never arrive, connection after connection, name transaction pooling', async () => {
    // As through a transaction-mode pooler: the probe is sent, but not to the connection that listens.
    const subject = listen(async (channel) => {
      await sendThroughPool(`${channel}_elsewhere`, 'lost');
    });
    await eventually(() => expect(subject.failure).toMatch(/transaction-mode pooler/), 10_000);
    expect(subject.listening).toBe(false);
  });
});
