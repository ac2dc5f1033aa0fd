/**
 * `npm run bench`: the four benchmarks, each reported as figures and as
 * ratios against a baseline measured in the same run (the machines are
 * shared and noisy). Writes docs/benchmarks.md. Not part of `npm test`.
 */
import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile, mkdir } from 'node:fs/promises';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import autocannon from 'autocannon';
import pg from 'pg';
import { startLocalPostgres } from '../dev/local-postgres.mjs';
import { applyMigrations } from '../dev/migrate.mjs';
import { createPrismaClient, PrismaClient } from '../dev/prisma.js';
import { TokenStore, TokenTrackingModule, TokenTrackingModuleOptions, TokenTrackingService } from '../src/index.js';
import { RevocationReplica } from '../src/revocation/revocation-replica.js';
import { benchOptions } from './bench-app.js';

const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = 50;
const report: string[] = [];

const nowMs = () => performance.timeOrigin + performance.now();
const median = (values: number[]) => percentile(values, 50);
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const fixed = (value: number, digits = 2) => value.toFixed(digits);
function say(line = ''): void {
  console.log(line);
  report.push(line);
}

async function main(): Promise<void> {
  const postgres = await startLocalPostgres();
  const started = Date.now();
  try {
    await applyMigrations(postgres.url);
    const prisma = createPrismaClient(postgres.url, 20);
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    try {
      const [{ server_version: version }] = (await admin.query('SHOW server_version')).rows;
      say(`Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, PostgreSQL ${version}` +
        ` (${postgres.embedded ? 'embedded' : 'DATABASE_URL'}). Rounds: ${ROUNDS} × ${ROUND_SECONDS} s, ${CONNECTIONS} connections.`);
      say();
      const tokens = await withService(prisma, {}, (service) => issueTokens(service, 1000));
      await guardThroughput(postgres.url, tokens);
      await issuanceRate(prisma);
      await revocationPropagation(postgres.url, prisma);
      await purgeUnderLoad(postgres.url, prisma, admin, tokens);
      cacheMemory();
    } finally {
      await admin.end();
      await prisma.$disconnect();
    }
  } finally {
    await postgres.stop();
  }
  say(`Total time: ${fixed((Date.now() - started) / 1000, 0)} s.`);
  await mkdir(new URL('../../docs/', import.meta.url), { recursive: true });
  const docs = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
  await writeFile(docs, [
    '# Benchmarks',
    '',
    'Produced by `npm run bench` (`bench/main.ts`) on this project\'s development machine. Figures vary',
    'from run to run on a shared machine; the ratios, measured within one run, are what to compare.',
    '',
    '```',
    ...report,
    '```',
    '',
  ].join('\n'));
  console.log(`\nWritten to ${docs}`);
}

/** 1. Guarded-request throughput and p99, alternating rounds. */
async function guardThroughput(databaseUrl: string, tokens: string[]): Promise<void> {
  say('## 1. Guarded requests on the example application (autocannon, same handler on every route)');
  const cached = await startServer(databaseUrl, true);
  const uncached = await startServer(databaseUrl, false);
  try {
    const routes = [
      { name: '(c) no guard', url: `${cached.url}/bench/open` },
      { name: '(a) plain passport-jwt, no revocation check', url: `${cached.url}/bench/plain` },
      { name: '(b) TrackedJwtGuard, revocation cache on', url: `${cached.url}/bench/tracked` },
      { name: '(b0) TrackedJwtGuard, cache off (a query per request)', url: `${uncached.url}/bench/tracked` },
    ];
    for (const route of routes) await load(route.url, tokens, 2);
    const results = new Map(routes.map((route) => [route.name, { rps: [] as number[], p99: [] as number[] }]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const route of routes) {
        const result = await load(route.url, tokens, ROUND_SECONDS);
        if (result.non2xx > 0 || result.errors > 0) {
          throw new Error(`${route.name}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
        }
        results.get(route.name)!.rps.push(result.requests.average);
        results.get(route.name)!.p99.push(result.latency.p99);
      }
    }
    for (const [name, { rps, p99 }] of results) {
      say(`${name.padEnd(56)} ${fixed(median(rps), 0).padStart(6)} req/s   p99 ${fixed(median(p99), 1).padStart(5)} ms   (rounds: ${rps.map((v) => fixed(v, 0)).join(', ')})`);
    }
    // Routes of one round run back to back, so a ratio within a round is
    // less exposed to the machine's drifting load than a ratio of medians.
    const rpsOf = (prefix: string) => [...results].find(([name]) => name.startsWith(prefix))![1].rps;
    const ratio = (top: string, bottom: string) =>
      fixed(median(rpsOf(top).map((value, round) => value / rpsOf(bottom)[round]!)));
    say(`ratio b/a = ${ratio('(b)', '(a)')}   (b0/a = ${ratio('(b0)', '(a)')}, a/c = ${ratio('(a)', '(c)')}; medians of the per-round ratios)`);
    say();
  } finally {
    cached.stop();
    uncached.stop();
  }
}

/** 2. Token issuance with the cap enforced, against a plain one-row INSERT. */
async function issuanceRate(prisma: PrismaClient): Promise<void> {
  say('## 2. Issuance with the cap enforced (20 concurrent callers)');
  const operations = 2000;
  const concurrency = 20;
  const rates = { insert: [] as number[], many: [] as number[], hot: [] as number[], evict: [] as number[] };
  await withService(prisma, { maxUserSessions: 5 }, async (capped) => {
    await withService(prisma, { maxUserSessions: 1_000_000 }, async (hotUser) => {
      await withService(prisma, { maxUserSessions: 5, sessionLimitPolicy: 'evict-oldest' }, async (evicting) => {
        for (let round = 0; round < ROUNDS; round++) {
          rates.insert.push(await rate(operations, concurrency, () => prisma.$executeRaw`
            INSERT INTO issued_tokens (jti, user_id, session_id, issued_at, expires_at)
            VALUES (${randomBytes(32).toString('base64url')}, 'baseline-user', 'baseline', now(), now() + interval '1 hour')`));
          let n = 0;
          rates.many.push(await rate(operations, concurrency, () => capped.generateToken(`many-${round}-${n++ % 1000}`)));
          rates.hot.push(await rate(operations, concurrency, () => hotUser.generateToken(`hot-user-${round}`)));
          rates.evict.push(await rate(operations, concurrency, () => evicting.generateToken(`evicting-user-${round}`)));
        }
      });
    });
  });
  const base = median(rates.insert);
  const line = (label: string, values: number[]) =>
    say(`${label.padEnd(56)} ${fixed(median(values), 0).padStart(6)} /s   ratio ${fixed(median(values) / base)}`);
  say(`${'plain INSERT of one row (baseline)'.padEnd(56)} ${fixed(base, 0).padStart(6)} /s`);
  line('generateToken, cap 5, 1000 users (reject)', rates.many);
  line('generateToken, one hot user, every login counted (reject)', rates.hot);
  line('generateToken, one hot user at cap 5 (evict-oldest)', rates.evict);
  say('(reject: one statement calling token_tracking_insert_below_cap, which locks, counts and inserts;');
  say(' evict-oldest: an interactive transaction, lock, eviction, insert, signed under the lock)');
  say();
}

/** 3. From a revocation committed by one process to its rejection in another. */
async function revocationPropagation(databaseUrl: string, prisma: PrismaClient): Promise<void> {
  say('## 3. Revocation propagation between two processes (LISTEN/NOTIFY)');
  const follower = fork(fileURLToPath(new URL('./revocation-follower.js', import.meta.url)), {
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await nextMessage(follower, 'ready');
    const samples = 200;
    const fromCommit: number[] = [];
    const fromCall: number[] = [];
    await withService(prisma, {}, async (service) => {
      for (let n = 0; n < samples; n++) {
        const { token, jti } = await service.generateToken(`propagation-${n}`);
        follower.send({ kind: 'watch', token });
        await nextMessage(follower, 'watching');
        const rejected = nextMessage(follower, 'rejected') as Promise<{ at: number }>;
        const called = nowMs();
        await service.revokeToken(jti);
        const committed = nowMs();
        const { at } = await rejected;
        fromCommit.push(at - committed);
        fromCall.push(at - called);
      }
    });
    const line = (values: number[]) =>
      `p50 ${fixed(percentile(values, 50))} ms   p99 ${fixed(percentile(values, 99))} ms   max ${fixed(Math.max(...values))} ms`;
    say(`from revokeToken() returning: ${line(fromCommit)}   (${samples} samples)`);
    say(`from revokeToken() called:    ${line(fromCall)}`);
    say('(the other process had the token cached as valid, and checked it in a loop yielding to I/O between checks)');
    say();
    follower.send({ kind: 'stop' });
  } finally {
    setTimeout(() => follower.kill(), 5_000).unref();
  }
}

/** 4. Purging 1,000,000 expired rows while guarded requests and token checks run. */
async function purgeUnderLoad(databaseUrl: string, prisma: PrismaClient, admin: pg.Client, tokens: string[]): Promise<void> {
  say('## 4. Purge of 1,000,000 expired rows');
  const fill = async () => {
    const started = Date.now();
    await admin.query(`
      INSERT INTO issued_tokens (jti, user_id, session_id, issued_at, expires_at)
      SELECT 'expired-' || n, 'expired-user-' || (n % 10000), 'expired-' || n,
             now() - interval '2 hours', now() - interval '1 hour'
        FROM generate_series(1, 1000000) AS n`);
    // Rows that expired in production were written long ago and have been
    // vacuumed since; purge them in that state, not straight after the insert.
    await admin.query('VACUUM ANALYZE issued_tokens');
    return Date.now() - started;
  };
  const filled = await fill();
  await withService(prisma, { purge: { batchSize: 5000, maxDurationSeconds: 600 } }, async (service) => {
    const started = Date.now();
    const outcome = await service.purgeExpired();
    say(`alone: ${fixed((Date.now() - started) / 1000, 1)} s for ${outcome.status === 'skipped' ? 0 : outcome.tokens} rows (inserting and vacuuming them took ${fixed(filled / 1000, 1)} s)`);
  });
  await fill();
  const server = await startServer(databaseUrl, false);
  try {
    await withService(prisma, { purge: { batchSize: 5000, maxDurationSeconds: 600 } }, async (service, store) => {
      const sample = await service.parseToken(tokens[0]!);
      const checkLoop = async (until: () => boolean) => {
        const latencies: number[] = [];
        while (!until()) {
          const start = performance.now();
          await store.isRevoked(sample);
          latencies.push(performance.now() - start);
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        return latencies;
      };
      const measure = async (work: () => Promise<unknown>) => {
        let done = false;
        let instance: autocannon.Instance | undefined;
        const http = new Promise<autocannon.Result>((resolve, reject) => {
          instance = autocannon(
            { url: `${server.url}/bench/tracked`, connections: 20, duration: 600, requests: rotating(tokens) },
            (error, result) => (error ? reject(error) : resolve(result)),
          );
        });
        await new Promise((resolve) => setTimeout(resolve, 500));
        const checks = checkLoop(() => done);
        const startedAt = Date.now();
        await work();
        const elapsed = Date.now() - startedAt;
        done = true;
        instance!.stop();
        return { elapsed, checks: await checks, http: await http };
      };
      const baseline = await measure(() => new Promise((resolve) => setTimeout(resolve, 8_000)));
      const purge = await measure(() => service.purgeExpired());
      const [{ left }] = (await admin.query("SELECT count(*)::int AS left FROM issued_tokens WHERE jti LIKE 'expired-%'")).rows;
      say(`under load: ${fixed(purge.elapsed / 1000, 1)} s (batches of 5000; ${left} expired rows left), while the cache-less guard was hammered:`);
      const describe = (label: string, run: typeof baseline) =>
        `${label}: token check (PK lookup) p99 ${fixed(percentile(run.checks, 99))} ms, max ${fixed(Math.max(...run.checks))} ms;` +
        ` guarded HTTP (cache off) p99 ${run.http.latency.p99} ms, max ${run.http.latency.max} ms, ${fixed(run.http.requests.average, 0)} req/s`;
      say(describe('without purge (8 s)', baseline));
      say(describe('during purge       ', purge));
      say(`ratio of HTTP p99 during/without purge: ${fixed(purge.http.latency.p99 / baseline.http.latency.p99)}`);
    });
  } finally {
    server.stop();
  }
  say();
}

/** 5. Heap taken by a revocation cache filled to its default bounds, in the worst case. */
function cacheMemory(): void {
  say('## 5. Memory of the revocation replica');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    say('(skipped: run node with --expose-gc)');
    return;
  }
  const entries = 1_000_000;
  gc();
  const before = process.memoryUsage();
  const replica = new RevocationReplica(2 * entries, 0, 0);
  replica.beginLoad();
  for (let n = 0; n < entries; n++) replica.deny(randomBytes(32).toString('base64url'), Date.now() + 3_600_000);
  replica.completeLoad();
  gc();
  const after = process.memoryUsage();
  const bytes = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
  say(`${replica.size} revoked ids: ${fixed(bytes / 2 ** 20, 1)} MiB (${fixed(bytes / entries, 1)} bytes an entry; tables ${fixed(replica.byteLength / 2 ** 20, 1)} MiB)`);
  say();
}

async function withService<T>(
  prisma: PrismaClient,
  overrides: Partial<TokenTrackingModuleOptions>,
  work: (service: TokenTrackingService, store: TokenStore) => Promise<T>,
): Promise<T> {
  @Module({ imports: [TokenTrackingModule.forRoot(benchOptions(prisma, overrides))] })
  class ServiceModule {}
  const app = await NestFactory.createApplicationContext(ServiceModule, { logger: ['error', 'warn'] });
  try {
    return await work(app.get(TokenTrackingService), app.get<TokenStore>(TokenStore));
  } finally {
    await app.close();
  }
}

async function issueTokens(service: TokenTrackingService, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let n = 0; n < count; n++) tokens.push((await service.generateToken(`bench-user-${n}`)).token);
  return tokens;
}

function rotating(tokens: string[]): autocannon.Request[] {
  let next = 0;
  return [{
    setupRequest: (request) => ({
      ...request,
      headers: { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` },
    }),
  }];
}

function load(url: string, tokens: string[], seconds: number): Promise<autocannon.Result> {
  return autocannon({ url, connections: CONNECTIONS, duration: seconds, requests: rotating(tokens) });
}

async function rate(operations: number, concurrency: number, operation: () => PromiseLike<unknown>): Promise<number> {
  let remaining = operations;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (remaining-- > 0) await operation();
  }));
  return operations / ((performance.now() - started) / 1000);
}

async function startServer(databaseUrl: string, withCache: boolean): Promise<{ url: string; stop: () => void }> {
  const child = fork(fileURLToPath(new URL('./guard-server.js', import.meta.url)), {
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl, BENCH_CACHE: withCache ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    child.stdout!.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { port: number }).port));
  });
  // Let the LISTEN connection come up before measuring.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

function nextMessage(child: ChildProcess, kind: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`follower exited with ${code}`));
    const onMessage = (message: { kind: string }) => {
      if (message.kind !== kind) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
