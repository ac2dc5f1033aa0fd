/**
 * A benchmark server process: the routes of bench-app on a random
 * loopback port, with or without the revocation replica (BENCH_CACHE=1),
 * with an OpenTelemetry SDK installed or not (BENCH_TELEMETRY=1), recording
 * each session's last use (the default) or not (BENCH_LAST_USE=0).
 * Prints {"port": N} on stdout once listening; answers the IPC message
 * "cpu" with its CPU time so far; stops on SIGTERM.
 */
import 'reflect-metadata';
import { createPrismaClient } from '../dev/prisma.js';
import { RevocationChecker } from '../src/index.js';
import { benchOptions, createBenchApp } from './bench-app.js';
import { installTelemetrySdk } from './telemetry-sdk.js';

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL!;
  // Connections stay open between rounds (node-postgres closes them after
  // 10 s idle by default), as under an application's steady traffic. The
  // rounds interleave several server processes, so each one's pool would
  // otherwise idle out while the others are measured: a backend's exit and
  // the next one's start (about 24 ms of PostgreSQL's CPU here) would be
  // charged to whichever variant was running then.
  const prisma = createPrismaClient(url, 20, { idleTimeoutMillis: 0 });
  const withCache = process.env.BENCH_CACHE === '1';
  if (process.env.BENCH_TELEMETRY === '1') installTelemetrySdk();
  const app = await createBenchApp(benchOptions(prisma, {
    ...(withCache ? { revocationReplica: { connectionString: url } } : {}),
    ...(process.env.BENCH_LAST_USE === '0' ? { lastUsedIntervalSeconds: 0 } : {}),
  }));
  await app.listen(0, '127.0.0.1');
  // Measure only once every check can be answered from memory.
  const checker = app.get(RevocationChecker, { strict: false });
  while (withCache && !checker.status.synced) await new Promise((resolve) => setTimeout(resolve, 20));
  const address = app.getHttpServer().address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
  // The server's own CPU time (user + system, µs), asked for around each load: a
  // cost per request that the load generator's and other processes' share of the
  // machine does not blur as it blurs requests per second.
  process.on('message', (message: unknown) => {
    if (message !== 'cpu') return;
    const { user, system } = process.cpuUsage();
    process.send!({ cpuMicros: user + system });
  });
  process.once('SIGTERM', () => {
    void app.close().then(() => prisma.$disconnect()).then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
