/**
 * A fresh process that loads the revocation replica from the database and
 * reports how long that took and the memory it holds (heap and buffers,
 * after a full GC), as JSON on stdout. Run with --expose-gc.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { RevocationFeed } from '../src/revocation/revocation-feed.js';
import { RevocationReplica } from '../src/revocation/revocation-replica.js';
import pg from 'pg';

async function main(): Promise<void> {
  // stdout carries the result; the feed's own log line must not.
  Logger.overrideLogger(['error']);
  const url = process.env.BENCH_DATABASE_URL!;
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  const before = process.memoryUsage();
  const replica = new RevocationReplica(10_000_000, 86_400_000, 0);
  const feed = new RevocationFeed(replica, {
    connectionString: url, heartbeatMs: 60_000, reconnectMinMs: 100, reconnectMaxMs: 5_000,
    toleranceMs: 0, watermarkLifetimeMs: 86_400_000, fetchSize: 50_000, sweepMs: 3_600_000, clock: Date.now,
  }, async (connectionString) => new pg.Client({ connectionString }));
  const started = performance.now();
  await feed.start();
  const loadMs = performance.now() - started;
  gc();
  const after = process.memoryUsage();
  const bytes = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
  process.stdout.write(`${JSON.stringify({ synced: replica.synced, entries: replica.size, loadMs, bytes, tableBytes: replica.byteLength })}\n`);
  await feed.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
