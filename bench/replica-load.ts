/**
 * A fresh process that loads the revocation replica from the database and
 * reports how long that took and the memory it holds (heap and buffers,
 * after a full GC), as JSON on stdout. Run with --expose-gc.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createPrismaClient } from '../dev/prisma.js';
import { PrismaRevocationLog } from '../src/revocation/prisma-revocation-log.js';
import { RevocationFeed } from '../src/revocation/revocation-feed.js';
import { RevocationReplica } from '../src/revocation/revocation-replica.js';
import { eventually } from './eventually.js';

async function main(): Promise<void> {
  // stdout carries the result; the feed's own log line must not.
  Logger.overrideLogger(['error']);
  const url = process.env.BENCH_DATABASE_URL!;
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  const before = process.memoryUsage();
  const replica = new RevocationReplica(10_000_000, 86_400_000, 0);
  const prisma = createPrismaClient(url, 2);
  const feed = new RevocationFeed(replica, new PrismaRevocationLog(prisma), null, {
    pollIntervalMs: 1000, maxStalenessMs: 60_000, listen: null, reconnectMinMs: 100, reconnectMaxMs: 5_000,
    toleranceMs: 0, watermarkLifetimeMs: 86_400_000, pageSize: 20_000, sweepMs: 3_600_000, clock: Date.now,
  }, () => Promise.reject(new Error('polling only')));
  const started = performance.now();
  feed.start();
  await eventually(() => replica.synced, 60_000);
  const loadMs = performance.now() - started;
  gc();
  const after = process.memoryUsage();
  const bytes = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
  process.stdout.write(`${JSON.stringify({ synced: replica.synced, entries: replica.size, loadMs, bytes, tableBytes: replica.byteLength })}\n`);
  await feed.stop();
  await prisma.$disconnect();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
