/**
 * The fleet benchmark (`BENCH_ONLY=fleet npm run bench`): many instances
 * following the revocation log of one PostgreSQL, directly and through
 * PgBouncer, in processes of 25 instances each. Measures how soon every
 * instance refuses a token after a burst of concurrent logouts, whether any
 * instance still answers "not revoked" after the stated bound, the server
 * connections the fleet holds, PostgreSQL's CPU idle and during bursts,
 * and a fleet restarted together at a million unexpired revocations.
 * It starts a PostgreSQL of its own, whose max_connections fits the fleet.
 */
import { ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { startEmbeddedPostgres } from '../dev/local-postgres.mjs';
import { applyMigrations } from '../dev/migrate.mjs';
import { createPrismaClient } from '../dev/prisma.js';
import { TokenTrackingModule, TokenTrackingService } from '../src/index.js';
import { REPLICA_APPLICATION_NAME } from '../src/revocation/revocation-checker.js';
import { PgBouncer, startPgBouncer } from '../test/support/pgbouncer.js';
import { standbyAvailable, startPrimaryAndStandby } from '../test/support/system-postgres-pair.js';
import { benchOptions } from './bench-app.js';
import { epochNow, FleetConfig, FollowOutcome, FLEET_POOL_APPLICATION_NAME, WatchedToken } from './fleet-instances.js';
import type { FleetCommand } from './fleet-worker.js';
import { CpuMeter, postmasterOf } from './postgres-cpu.js';

const INSTANCES = Number(process.env.FLEET_INSTANCES ?? 100);
const PER_PROCESS = Number(process.env.FLEET_PER_PROCESS ?? 25);
const BURSTS = Number(process.env.FLEET_BURSTS ?? 3);
const BURST_SIZE = Number(process.env.FLEET_BURST_SIZE ?? 100);
const IDLE_SECONDS = Number(process.env.FLEET_IDLE_SECONDS ?? 5);
const RESTARTED = Number(process.env.FLEET_RESTART_INSTANCES ?? 20);
const RESTART_PER_PROCESS = Number(process.env.FLEET_RESTART_PER_PROCESS ?? 5);
const REVOCATIONS = Number(process.env.FLEET_REVOCATIONS ?? 1_000_000);
/** Some topologies only, by number (FLEET_TOPOLOGIES=1,3). */
const ONLY_TOPOLOGIES = process.env.FLEET_TOPOLOGIES?.split(',').map(Number);
/** The restart at scale only (FLEET_RESTART_ONLY=1). */
const RESTART_ONLY = process.env.FLEET_RESTART_ONLY === '1';
/** The library's defaults. */
const POLL_INTERVAL_MS = 1_000;
const MAX_STALENESS_MS = 5_000;
const HEARTBEAT_MS = 2_000;
const POOL_SIZE = 2;
/** "One read" of the log on this shared machine, loaded by a hundred instances: generous. */
const READ_ALLOWANCE_MS = 1_000;
const BOUND_MS = POLL_INTERVAL_MS + READ_ALLOWANCE_MS;
/** The number of the hot-standby topology (its own pair of servers, after the others). */
const STANDBY_TOPOLOGY = 6;

export interface FleetReport {
  say(line?: string): void;
  target(figure: string, value: number, comparison: '>=' | '<=', bound: number, unit?: string): void;
  verdict(figure: string, value: string, target: string, met: boolean): void;
}

interface Topology {
  readonly name: string;
  readonly databaseUrl: string;
  readonly listenUrl: string | null;
  /** A hot standby the instances read the revocation log from (`readFrom`). */
  readonly readFromUrl?: string;
  /** What LISTEN must come to: confirmed by probes, or named as not working. */
  readonly listen: 'none' | 'confirmed' | 'detected';
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const fixed = (value: number, digits = 0) => value.toFixed(digits);
const spread = (values: number[]) => `p50 ${fixed(percentile(values, 50))}  p99 ${fixed(percentile(values, 99))}  max ${fixed(Math.max(...values))} ms`;

export async function fleetBenchmark(report: FleetReport): Promise<void> {
  const { say } = report;
  const maxConnections = Math.max(300, INSTANCES * (POOL_SIZE + 1) + 50);
  say(`## 9. A fleet of ${INSTANCES} instances (${PER_PROCESS} a process, Prisma pool of ${POOL_SIZE} each), bursts of ${BURST_SIZE} concurrent logouts`);
  say(`(a PostgreSQL of its own with max_connections ${maxConnections}; pollIntervalMs ${POLL_INTERVAL_MS}, maxStalenessMs ${MAX_STALENESS_MS}, heartbeat ${HEARTBEAT_MS} ms;`);
  say(` propagation: from the logout call until every instance's replica refuses the token; late: a token some instance answered`);
  say(` "not revoked" more than pollIntervalMs + one read (${BOUND_MS} ms) after its logout returned)`);
  const postgres = await startEmbeddedPostgres(process.env, { maxConnections });
  const bouncers: PgBouncer[] = [];
  try {
    await applyMigrations(postgres.url);
    const admin = new pg.Client({ connectionString: postgres.url, application_name: 'fleet-bench-admin' });
    await admin.connect();
    try {
      const [{ pid }] = (await admin.query('SELECT pg_backend_pid() AS pid')).rows;
      const cpu = new CpuMeter(postmasterOf(pid));
      const transaction = await startPgBouncer(postgres.url, 'transaction', 20);
      bouncers.push(transaction);
      // In session mode every client holds a server connection: one per LISTEN.
      const session = await startPgBouncer(postgres.url, 'session', INSTANCES + 10);
      bouncers.push(session);
      const topologies: Topology[] = [
        { name: 'direct, polling only', databaseUrl: postgres.url, listenUrl: null, listen: 'none' },
        { name: 'direct, with LISTEN', databaseUrl: postgres.url, listenUrl: postgres.url, listen: 'confirmed' },
        { name: 'transaction-mode PgBouncer, polling only', databaseUrl: transaction.url, listenUrl: null, listen: 'none' },
        { name: 'transaction-mode PgBouncer, LISTEN through it too (must be detected)', databaseUrl: transaction.url, listenUrl: transaction.url, listen: 'detected' },
        { name: 'transaction-mode PgBouncer, LISTEN through a session-mode PgBouncer', databaseUrl: transaction.url, listenUrl: session.url, listen: 'confirmed' },
      ];
      await withWriter(postgres.url, async (writer) => {
        for (const [index, topology] of topologies.entries()) {
          if (RESTART_ONLY || (ONLY_TOPOLOGIES && !ONLY_TOPOLOGIES.includes(index + 1))) continue;
          await runTopology(`7.${index + 1}`, topology, writer, admin, cpu, report);
        }
      });
      if (!RESTART_ONLY && (!ONLY_TOPOLOGIES || ONLY_TOPOLOGIES.includes(STANDBY_TOPOLOGY))) await onHotStandby(maxConnections, report);
      if (!ONLY_TOPOLOGIES || RESTART_ONLY) await restartAtScale(postgres.url, admin, cpu, report);
    } finally {
      await admin.end();
    }
  } finally {
    for (const bouncer of bouncers) await bouncer.stop();
    await postgres.stop();
  }
}

/**
 * The instances' Prisma pools on the primary, the revocation log read on a
 * streaming hot standby (`readFrom`), logouts written to the primary: on a
 * pair of Debian's PostgreSQL 15 servers of their own. The bound holds
 * whatever the standby's lag: each read proves freshness only as of the
 * primary's position the standby had replayed. Connections and CPU are the
 * standby's, where the fleet reads.
 */
async function onHotStandby(maxConnections: number, report: FleetReport): Promise<void> {
  if (!standbyAvailable()) {
    report.say(`### 7.${STANDBY_TOPOLOGY} feed on a hot standby: skipped (PostgreSQL 15 is not installed: apt-get install postgresql-15)`);
    return;
  }
  const pair = await startPrimaryAndStandby(maxConnections);
  try {
    await applyMigrations(pair.primaryUrl);
    const admin = new pg.Client({ connectionString: pair.standbyUrl, application_name: 'fleet-bench-admin' });
    await admin.connect();
    try {
      const [{ pid }] = (await admin.query('SELECT pg_backend_pid() AS pid')).rows;
      const cpu = new CpuMeter(postmasterOf(pid));
      const topology: Topology = {
        name: 'pools on the primary, the feed reading a hot standby (connections and CPU: the standby\'s)',
        databaseUrl: pair.primaryUrl, listenUrl: null, readFromUrl: pair.standbyUrl, listen: 'none',
      };
      await withWriter(pair.primaryUrl, (writer) => runTopology(`7.${STANDBY_TOPOLOGY}`, topology, writer, admin, cpu, report));
    } finally {
      await admin.end();
    }
  } finally {
    pair.stop();
  }
}

/** The instances of `count`, in processes of `perProcess`, started and synced. */
async function startFleet(config: Omit<FleetConfig, 'count'>, count: number, perProcess: number): Promise<FleetProcess[]> {
  const processes = await Promise.all(Array.from({ length: Math.ceil(count / perProcess) }, () => FleetProcess.fork()));
  await Promise.all(processes.map((child, n) => child.request({ kind: 'start', config: { ...config, count: Math.min(perProcess, count - n * perProcess) } }, 'started')));
  return processes;
}

async function runTopology(number: string, topology: Topology, writer: TokenTrackingService, admin: pg.Client, cpu: CpuMeter, report: FleetReport): Promise<void> {
  const { say } = report;
  say(`### ${number} ${topology.name}`);
  const config = {
    databaseUrl: topology.databaseUrl, listenUrl: topology.listenUrl, readFromUrl: topology.readFromUrl ?? null, poolSize: POOL_SIZE,
    pollIntervalMs: POLL_INTERVAL_MS, maxStalenessMs: MAX_STALENESS_MS, heartbeatMs: HEARTBEAT_MS,
  };
  const fleet = await startFleet(config, INSTANCES, PER_PROCESS);
  try {
    const synced = await Promise.all(fleet.map((child) => child.request<{ syncedMs: number }>({ kind: 'synced', timeoutMs: 120_000 }, 'synced')));
    say(`all ${INSTANCES} synced ${fixed(Math.max(...synced.map((reply) => reply.syncedMs)))} ms after start`);
    if (topology.listen !== 'none') await awaitListenState(fleet, topology, report);
    // Let the fleet's first probes and reads settle before measuring it idle.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idleConnections = await connectionsHeld(admin);
    cpu.start();
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const idle = cpu.stop();
    const propagation: number[] = [];
    const afterReturn: number[] = [];
    const logoutMs: number[] = [];
    let late = 0;
    let neverRefused = 0;
    let burstCpuSeconds = 0;
    let burstWallSeconds = 0;
    let busyConnections = idleConnections;
    let checks = 0;
    let unanswered = 0;
    const fromMemory: number[] = [];
    for (let burst = 0; burst < BURSTS; burst++) {
      const issued = await Promise.all(Array.from({ length: BURST_SIZE }, (_, n) => writer.generateToken(`fleet-${number}-${burst}-${n}`)));
      const tokens: WatchedToken[] = await Promise.all(issued.map(async ({ token }) => {
        const verified = await writer.parseToken(token);
        return { jti: verified.jti, sessionId: verified.sessionId, userId: verified.userId, issuedAtMs: verified.issuedAt.getTime() };
      }));
      const outcomes = fleet.map((child) => child.follow(tokens, MAX_STALENESS_MS + 30_000));
      await Promise.all(outcomes.map((outcome) => outcome.ready));
      const called: number[] = [];
      const returned: number[] = [];
      cpu.start();
      await Promise.all(issued.map(async ({ token }, t) => {
        called[t] = epochNow();
        await writer.revokeToken(token);
        returned[t] = epochNow();
      }));
      const connections = await connectionsHeld(admin);
      if (connections.total > busyConnections.total) busyConnections = connections;
      const followed = await Promise.all(outcomes.map((outcome) => outcome.outcome));
      const used = cpu.stop();
      burstCpuSeconds += used.seconds;
      checks += followed.reduce((sum, outcome) => sum + outcome.checks, 0);
      unanswered += followed.reduce((sum, outcome) => sum + outcome.unanswered, 0);
      fromMemory.push(followed.reduce((sum, outcome) => sum + outcome.fromMemory, 0));
      burstWallSeconds += used.wallSeconds;
      tokens.forEach((_, t) => {
        // NaN ("never") crosses the IPC channel as null, which Math.max would take for 0.
        const refusedByAll = Math.max(...followed.map((outcome) => outcome.refusedByAllAt[t] ?? Number.NaN));
        const lastAccepted = Math.max(...followed.map((outcome) => outcome.lastAcceptedAt[t] ?? Number.NaN).filter((at) => !Number.isNaN(at)));
        if (Number.isNaN(refusedByAll)) neverRefused++;
        else {
          propagation.push(refusedByAll - called[t]!);
          afterReturn.push(refusedByAll - returned[t]!);
        }
        logoutMs.push(returned[t]! - called[t]!);
        if (lastAccepted > returned[t]! + BOUND_MS) {
          late++;
          say(`  late: token ${t} of burst ${burst + 1} answered "not revoked" ${fixed(lastAccepted - returned[t]!)} ms after its logout returned; all refused it ${fixed(refusedByAll - returned[t]!)} ms after`);
        }
      });
    }
    const samples = BURSTS * BURST_SIZE;
    say(`propagation to all ${INSTANCES}, from the logout call:      ${spread(propagation)}   (${propagation.length} tokens)`);
    say(`                           from the logout returning: ${spread(afterReturn)}`);
    say(`logout calls themselves (${BURST_SIZE} concurrent):             ${spread(logoutMs)}`);
    say(`revoked tokens answered "not revoked" by some instance after ${BOUND_MS} ms: ${late} of ${samples}; never refused by all: ${neverRefused}`);
    say(`instances answering "not revoked" from memory when a burst began: ${fromMemory.join(', ')} of ${INSTANCES}; checks left to the database while following: ${fixed((unanswered / checks) * 100, 1)} % of ${checks}`);
    say(`PostgreSQL CPU: idle ${fixed(idle.percent, 1)} % of a core; during bursts ${fixed((burstCpuSeconds / burstWallSeconds) * 100, 1)} % (${fixed(burstCpuSeconds, 2)} s of CPU over ${fixed(burstWallSeconds, 2)} s)`);
    say(`server connections, idle: ${idleConnections.description}; during bursts: ${busyConnections.description}`);
    report.verdict(`revoked tokens accepted after ${BOUND_MS} ms, ${topology.name}`, `${late + neverRefused} of ${samples}`, '0', late + neverRefused === 0);
    say();
  } finally {
    await Promise.all(fleet.map((child) => child.stop()));
  }
}

async function awaitListenState(fleet: FleetProcess[], topology: Topology, report: FleetReport): Promise<void> {
  // Transaction pooling is named once a second connection has received no probe either.
  const deadline = performance.now() + HEARTBEAT_MS * 8;
  for (;;) {
    const states = await Promise.all(fleet.map((child) => child.request<{ listening: number; failures: string[] }>({ kind: 'listen-state' }, 'listen-state')));
    const listening = states.reduce((sum, state) => sum + state.listening, 0);
    const failures = [...new Set(states.flatMap((state) => state.failures))];
    const namesPooler = failures.some((reason) => reason.includes('transaction-mode pooler'));
    const settled = topology.listen === 'confirmed' ? listening === INSTANCES : listening === 0 && namesPooler;
    if (settled || performance.now() > deadline) {
      report.say(topology.listen === 'confirmed'
        ? `LISTEN confirmed by a probe on ${listening} of ${INSTANCES} instances`
        : `LISTEN confirmed on ${listening} of ${INSTANCES}; the failure reported: ${failures.map((reason) => `"${reason.slice(0, 110)}..."`).join('; ') || 'none'}`);
      report.verdict(`LISTEN ${topology.listen === 'confirmed' ? 'confirmed' : 'through transaction pooling named'}, ${topology.name}`,
        topology.listen === 'confirmed' ? `${listening} of ${INSTANCES}` : namesPooler ? 'named' : 'not named', 'all', settled);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** 20 instances started together at a million unexpired revocations. */
async function restartAtScale(url: string, admin: pg.Client, cpu: CpuMeter, report: FleetReport): Promise<void> {
  const { say } = report;
  say(`### 7.6 ${RESTARTED} instances started together at ${REVOCATIONS.toLocaleString('en')} unexpired revocations (direct, polling only, ${RESTART_PER_PROCESS} a process)`);
  const fillStarted = performance.now();
  await admin.query(`
    INSERT INTO revoked_tokens (id, kind, user_id, expires_at)
    SELECT md5(n::text) || md5((n + 1)::text), 'session', 'restart-user-' || (n % 100000), now() + interval '1 day'
      FROM generate_series(1, $1::int) AS n`, [REVOCATIONS]);
  await admin.query('VACUUM ANALYZE revoked_tokens');
  await admin.query('CHECKPOINT');
  say(`(inserted and vacuumed in ${fixed((performance.now() - fillStarted) / 1000, 1)} s)`);
  const processes = await Promise.all(Array.from({ length: Math.ceil(RESTARTED / RESTART_PER_PROCESS) }, () => FleetProcess.fork()));
  try {
    const config = { databaseUrl: url, listenUrl: null, poolSize: POOL_SIZE, pollIntervalMs: POLL_INTERVAL_MS, maxStalenessMs: MAX_STALENESS_MS, heartbeatMs: HEARTBEAT_MS };
    cpu.start();
    const startedAt = performance.now();
    const started = await Promise.all(processes.map((child, n) => child.request<{ servingMs: number }>(
      { kind: 'start', config: { ...config, count: Math.min(RESTART_PER_PROCESS, RESTARTED - n * RESTART_PER_PROCESS) } }, 'started')));
    const servingMs = performance.now() - startedAt;
    let peakConnections = await connectionsHeld(admin);
    const sampler = setInterval(() => void connectionsHeld(admin).then((held) => {
      if (held.total > peakConnections.total) peakConnections = held;
    }).catch(() => undefined), 1_000);
    try {
      await Promise.all(processes.map((child) => child.request({ kind: 'synced', timeoutMs: 300_000 }, 'synced')));
    } finally {
      clearInterval(sampler);
    }
    const syncedMs = performance.now() - startedAt;
    const used = cpu.stop();
    say(`constructing and starting an instance (it serves from then on, checks asking the database meanwhile): at most ${fixed(Math.max(...started.map((reply) => reply.servingMs)), 1)} ms a process;`);
    say(`all ${RESTARTED} serving ${fixed(servingMs)} ms after the start command; all synced after ${fixed(syncedMs / 1000, 1)} s`);
    say(`PostgreSQL CPU meanwhile: ${fixed(used.percent, 1)} % of a core (${fixed(used.seconds, 1)} s of CPU); peak connections: ${peakConnections.description}`);
    report.target(`${RESTARTED} instances restarted together at ${REVOCATIONS.toLocaleString('en')} revocations: all serving`, servingMs / 1000, '<=', 5, ' s');
    report.target(`${RESTARTED} instances restarted together at ${REVOCATIONS.toLocaleString('en')} revocations: all synced`, syncedMs / 1000, '<=', 60, ' s');
    say();
  } finally {
    await Promise.all(processes.map((child) => child.stop()));
  }
}

/** The logouts' instance: the library's service on a direct connection, without replica. */
async function withWriter(url: string, work: (writer: TokenTrackingService) => Promise<void>): Promise<void> {
  const writerUrl = new URL(url);
  writerUrl.searchParams.set('application_name', 'fleet-bench-writer');
  const prisma = createPrismaClient(writerUrl.toString(), 20);
  @Module({ imports: [TokenTrackingModule.forRoot(benchOptions(prisma, { maxUserSessions: 1_000 }))] })
  class WriterModule {}
  const app = await NestFactory.createApplicationContext(WriterModule, { logger: ['error', 'warn'] });
  try {
    await work(app.get(TokenTrackingService));
  } finally {
    await app.close();
    await prisma.$disconnect();
  }
}

/**
 * Client backends but the benchmark's own, by application name. PgBouncer
 * passes on the name of the client a server connection last served; the
 * ones it holds unused carry none.
 */
async function connectionsHeld(admin: pg.Client): Promise<{ total: number; description: string }> {
  const { rows } = await admin.query<{ name: string; count: number }>(`
    SELECT coalesce(nullif(application_name, ''), 'unnamed') AS name, count(*)::int AS count
      FROM pg_stat_activity
     WHERE backend_type = 'client backend' AND application_name NOT IN ('fleet-bench-admin', 'fleet-bench-writer')
     GROUP BY 1 ORDER BY 1`);
  const label = (name: string) => name === FLEET_POOL_APPLICATION_NAME ? 'pools' : name === REPLICA_APPLICATION_NAME ? 'LISTEN' : name;
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  return { total, description: `${total} (${rows.map((row) => `${label(row.name)} ${row.count}`).join(', ') || 'none'})` };
}

/** A process of `fleet-worker.ts`, driven over IPC. */
class FleetProcess {
  private constructor(private readonly child: ChildProcess) {}

  static async fork(): Promise<FleetProcess> {
    const child = fork(fileURLToPath(new URL('./fleet-worker.js', import.meta.url)), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // A process that died is reported by the reply awaited from it, not by an unhandled 'error'.
    child.on('error', () => undefined);
    const process = new FleetProcess(child);
    await process.reply('ready');
    return process;
  }

  request<T = unknown>(command: FleetCommand, replyKind: string): Promise<T> {
    const reply = this.reply<T>(replyKind);
    this.child.send(command);
    return reply;
  }

  follow(tokens: WatchedToken[], timeoutMs: number): { ready: Promise<unknown>; outcome: Promise<FollowOutcome> } {
    const ready = this.reply('following');
    const outcome = this.reply<FollowOutcome>('followed');
    // Awaited after `ready`; a failure of either is reported by the one awaited.
    outcome.catch(() => undefined);
    this.child.send({ kind: 'follow', tokens, timeoutMs } satisfies FleetCommand);
    return { ready, outcome };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ kind: 'stop' } satisfies FleetCommand);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  private reply<T>(kind: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`fleet process exited with ${code} while awaiting "${kind}"`));
      const onMessage = (message: { kind: string }) => {
        if (message.kind !== kind) return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve(message as T);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }
}
