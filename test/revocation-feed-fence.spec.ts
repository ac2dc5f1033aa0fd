import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { RevocationFeed, STALL_THRESHOLD_MS } from '../src/revocation/revocation-feed.js';
import type { LogChanges, RevocationLog } from '../src/revocation/revocation-log.js';
import { RevocationReplica } from '../src/revocation/revocation-replica.js';
import { eventually } from './support/eventually.js';

/**
 * After an event-loop stall the replica answers "not revoked" only once a
 * read of the log that began after the stall has succeeded. These cases
 * pin the bookkeeping of that fence: it must be lifted exactly once, by the
 * right read, whatever order stalls, reads and failures come in. (The log
 * is a stand-in here: what is under test is the feed's accounting, not the
 * database; the database side of stalls is in replica-event-loop-stall.spec.)
 */
describe('the revocation feed\'s fence after an event-loop stall', () => {
  const token = { jti: 'jti-1', sessionId: 'session-1', userId: 'user-1', issuedAt: new Date() };
  let feed: RevocationFeed;
  let replica: RevocationReplica;
  /** Reads of the log begun, and ended (successfully or not). */
  let begun: number;
  let ended: number;
  let failNextReads: number;
  let gate: { promise: Promise<void>; open: () => void } | null;

  const log = {
    snapshot: async () => '1:1:',
    walPosition: async () => ({ lsn: 0n, standby: false }),
    extents: async () => ({ denied: { blocks: 0, rowsPerBlock: 0, file: '1' }, watermarks: { blocks: 0, rowsPerBlock: 0, file: '2' } }),
    loadDenied: async () => [],
    loadWatermarks: async () => [],
    readSince: async (): Promise<LogChanges> => {
      begun++;
      try {
        if (gate) await gate.promise;
        if (failNextReads > 0) {
          failNextReads--;
          throw new Error('connection lost');
        }
        return { snapshot: '1:1:', denied: [], watermarks: [], deniedCursor: null, watermarksCursor: null };
      } finally {
        ended++;
      }
    },
    notify: async () => undefined,
  } as unknown as RevocationLog;

  /** Holds every read of the log until `openGate`. */
  function closeGate(): void {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    gate = { promise, open };
  }

  function openGate(): void {
    const held = gate;
    gate = null;
    held?.open();
  }

  /** Blocks this thread past the stall threshold, as a CPU-bound request would; returns once the feed has noticed. */
  async function stallTheEventLoop(): Promise<void> {
    const stallsBefore = feed.stallCount;
    const until = performance.now() + STALL_THRESHOLD_MS + 100;
    while (performance.now() < until) { /* stalled */ }
    await eventually(() => expect(feed.stallCount).toBe(stallsBefore + 1));
  }

  async function readsEnded(count: number): Promise<void> {
    const target = ended + count;
    await eventually(() => expect(ended).toBeGreaterThanOrEqual(target), 10_000);
  }

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'warn', 'error']));

  beforeEach(async () => {
    begun = 0;
    ended = 0;
    failNextReads = 0;
    gate = null;
    replica = new RevocationReplica(1_000, 86_400_000, 0);
    feed = new RevocationFeed(replica, log, null, {
      pollIntervalMs: 100, maxStalenessMs: 60_000, listen: null, reconnectMinMs: 100, reconnectMaxMs: 200,
      toleranceMs: 0, watermarkLifetimeMs: 86_400_000, pageSize: 100, sweepMs: 60_000, clock: Date.now,
    }, null as never);
    feed.start();
    await eventually(() => expect(replica.check(token)).toBe(false));
  });

  afterEach(async () => {
    openGate();
    await feed.stop();
  });

  it('a stall fences the replica until a read begun after it succeeds', async () => {
    closeGate();
    await stallTheEventLoop();
    expect(replica.check(token)).toBeUndefined();
    openGate();
    await readsEnded(2);
    expect(replica.check(token)).toBe(false);
  });

  it('a second stall during a read keeps the fence past that read, and the read after lifts it for good', async () => {
    closeGate();
    const begunBeforeFirstStall = begun;
    await stallTheEventLoop();
    await eventually(() => expect(begun).toBe(begunBeforeFirstStall + 1)); // woken by the stall, now held
    await stallTheEventLoop();
    const endedBefore = ended;
    openGate();
    await eventually(() => expect(ended).toBe(endedBefore + 1));
    await new Promise((resolve) => setImmediate(resolve));
    // That read began before the second stall: it proves nothing about it.
    expect(replica.check(token)).toBeUndefined();
    await readsEnded(3);
    expect(replica.check(token)).toBe(false);
  });

  it('failed reads after a stall keep the fence; the first read that succeeds lifts it, once', async () => {
    closeGate();
    await stallTheEventLoop();
    failNextReads = 3;
    openGate();
    await eventually(() => expect(failNextReads).toBe(0), 10_000);
    expect(replica.check(token)).toBeUndefined();
    await readsEnded(2);
    expect(replica.check(token)).toBe(false);
    // The next stall fences again, and one read lifts it: the count went neither below zero nor stayed above it.
    closeGate();
    await stallTheEventLoop();
    expect(replica.check(token)).toBeUndefined();
    openGate();
    await readsEnded(2);
    expect(replica.check(token)).toBe(false);
  });
});
