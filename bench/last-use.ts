/**
 * Section 8 of `npm run bench`: what recording last use costs where it
 * grows. How long one batch holds the event loop (which requests queued
 * behind it add to their latency), by batch size; and how many rows a fleet
 * writes when its instances share sessions' requests, with the interval
 * checked by the statement (the default) and without (each instance writing
 * whatever it does not remember writing itself).
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createPrismaClient } from '../dev/prisma.js';
import { SessionActivityRecorder, MAX_USES_PER_STATEMENT } from '../src/lifecycle/session-activity-recorder.js';
import { PrismaTokenStore } from '../src/store/prisma-token-store.js';
import { SessionUse } from '../src/store/token-store.interface.js';
import type { FleetReport } from './fleet.js';
import { postgresCpuSeconds, postmasterOf } from './postgres-cpu.js';
import { createTokenPopulation } from './token-population.js';

const SESSIONS = 20_000;
const INSTANCES = 4;
const SIMULATED_SECONDS = 300;
/** Each session's requests come this often, spread round robin over the instances. */
const USED_EVERY_SECONDS = 5;
const INTERVAL_MS = 60_000;
const BATCHES_MEASURED = 15;

export async function lastUseCosts(databaseUrl: string, report: FleetReport): Promise<void> {
  const { say } = report;
  say(`## 10. Last use: one batch's hold on the event loop, and ${INSTANCES} instances sharing ${SESSIONS.toLocaleString('en')} sessions`);
  await createTokenPopulation(databaseUrl, { count: SESSIONS, users: SESSIONS / 4, revokeEvery: Number.MAX_SAFE_INTEGER, lifetimeSeconds: 7_200 });
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const [{ pid }] = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
    const postmaster = postmasterOf(pid);
    const sessionIds = (await admin.query<{ session_id: string }>('SELECT session_id FROM token_sessions WHERE revoked_at IS NULL')).rows.map((row) => row.session_id);
    // Simulated time starts after the population was created, so every first use is due.
    const clock = { now: Date.now() + 1_000 };

    const sizes = [MAX_USES_PER_STATEMENT, 3_000] as const;
    say(`(the longest stretch without a timer tick while one batch is sent and answered, median of ${BATCHES_MEASURED} a size, sizes interleaved; every use due)`);
    const holds = await eventLoopHolds(databaseUrl, sessionIds, sizes, clock);
    for (const size of sizes) say(`  ${String(size).padStart(5)} uses a statement: ${holds.get(size)!.toFixed(2)} ms`);
    say(`  3,000 uses hold the loop ${(holds.get(3_000)! / holds.get(MAX_USES_PER_STATEMENT)!).toFixed(1)} times as long as ${MAX_USES_PER_STATEMENT}, the recorder's largest batch`);

    say(`(${INSTANCES} recorders on one database, each session used every ${USED_EVERY_SECONDS} s, requests round robin over the instances, ` +
      `${SIMULATED_SECONDS} s on a simulated clock, lastUsedIntervalSeconds ${INTERVAL_MS / 1000})`);
    const withoutInterval = await fleetOfRecorders(databaseUrl, admin, postmaster, sessionIds, clock, false);
    say(`  without the interval in the statement: ${withoutInterval.rowsPerMinute.toFixed(0)} rows written a minute, PostgreSQL CPU ${withoutInterval.postgresSeconds.toFixed(1)} s`);
    const withInterval = await fleetOfRecorders(databaseUrl, admin, postmaster, sessionIds, clock, true);
    say(`  with it (the default):                 ${withInterval.rowsPerMinute.toFixed(0)} rows written a minute, PostgreSQL CPU ${withInterval.postgresSeconds.toFixed(1)} s`);
    say(`  rows a minute ÷ sessions: ${(withInterval.rowsPerMinute / SESSIONS).toFixed(2)} (once an interval each would be ${(60_000 / INTERVAL_MS).toFixed(2)})`);
    report.target(`last use: rows written a minute ÷ sessions, ${INSTANCES} instances sharing them`, withInterval.rowsPerMinute / SESSIONS, '<=', 60_000 / INTERVAL_MS);
    say();
  } finally {
    await admin.end();
  }
}

/** Per batch size, the median of the longest event-loop stall while `PrismaTokenStore.recordActivity` writes that many due uses. */
async function eventLoopHolds(databaseUrl: string, sessionIds: readonly string[], sizes: readonly number[], clock: { now: number }): Promise<Map<number, number>> {
  const prisma = createPrismaClient(databaseUrl, 2);
  const store = new PrismaTokenStore(prisma);
  const holds = new Map(sizes.map((size) => [size, [] as number[]]));
  let cursor = 0;
  try {
    // The first rounds warm the client, the code and the statement's plan.
    for (let round = 0; round < BATCHES_MEASURED + 3; round++) {
      for (const size of sizes) {
        clock.now += INTERVAL_MS + 1_000;
        const at = new Date(clock.now);
        const uses: SessionUse[] = Array.from({ length: size }, () => ({ sessionId: sessionIds[cursor++ % sessionIds.length]!, at }));
        let last = performance.now();
        let longest = 0;
        const ticker = setInterval(() => {
          const now = performance.now();
          longest = Math.max(longest, now - last);
          last = now;
        }, 0);
        await store.recordActivity(uses, undefined, INTERVAL_MS);
        clearInterval(ticker);
        longest = Math.max(longest, performance.now() - last);
        if (round >= 3) holds.get(size)!.push(longest);
      }
    }
  } finally {
    await prisma.$disconnect();
  }
  return new Map([...holds].map(([size, values]) => [size, values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!]));
}

async function fleetOfRecorders(
  databaseUrl: string,
  admin: pg.Client,
  postmaster: number,
  sessionIds: readonly string[],
  clock: { now: number },
  intervalInStatement: boolean,
): Promise<{ rowsPerMinute: number; postgresSeconds: number }> {
  const clients = Array.from({ length: INSTANCES }, () => createPrismaClient(databaseUrl, 2));
  const recorders = clients.map((prisma) => {
    const store = new PrismaTokenStore(prisma);
    const statement = intervalInStatement ? store : {
      recordActivity: (uses: readonly SessionUse[]) => store.recordActivity(uses, undefined, 0),
    };
    const options = { lastUsedIntervalMs: INTERVAL_MS, trackUserTokens: true, clock: () => clock.now, sessionIdleTimeoutSeconds: null };
    return new SessionActivityRecorder(options as never, statement as never, {} as never, {} as never);
  });
  try {
    const updatedRows = async () => {
      await admin.query('SELECT pg_stat_force_next_flush()');
      const { rows } = await admin.query<{ updated: string }>(`SELECT n_tup_upd AS updated FROM pg_stat_user_tables WHERE relname = 'token_sessions'`);
      return Number(rows[0]!.updated);
    };
    const before = await updatedRows();
    const cpuBefore = postgresCpuSeconds(postmaster);
    const usesPerSecond = sessionIds.length / USED_EVERY_SECONDS;
    let request = 0;
    for (let second = 0; second < SIMULATED_SECONDS; second++) {
      clock.now += 1_000;
      for (let n = 0; n < usesPerSecond; n++) {
        recorders[request++ % INSTANCES]!.touch(sessionIds[Math.floor(Math.random() * sessionIds.length)]!);
      }
      await Promise.all(recorders.map((recorder) => recorder.flush()));
    }
    const postgresSeconds = postgresCpuSeconds(postmaster) - cpuBefore;
    const written = (await updatedRows()) - before;
    return { rowsPerMinute: written / (SIMULATED_SECONDS / 60), postgresSeconds };
  } finally {
    await Promise.all(recorders.map((recorder) => recorder.onModuleDestroy()));
    await Promise.all(clients.map((client) => client.$disconnect()));
  }
}
