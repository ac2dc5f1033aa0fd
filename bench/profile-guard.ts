/**
 * `node .build/bench/profile-guard.js [route ...]`: a CPU profile of a guard
 * server under load, one server process a route (`open`, `plain`, `lru`,
 * `tracked`, `tracked-no-last-use`, `tracked-otel` (an OpenTelemetry SDK
 * installed), default all), on BENCH_POPULATION distinct
 * live tokens (default 250,000, 1 % revoked) for BENCH_PROFILE_SECONDS
 * (default 20). Prints the server's CPU time a request, the frames and the packages with the most self time;
 * the profiles stay in .build/profiles for Chrome DevTools.
 */
import 'reflect-metadata';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalPostgres } from '../dev/local-postgres.mjs';
import { applyMigrations } from '../dev/migrate.mjs';
import { summarizeCpuProfile } from './cpu-profile-summary.js';
import { load, startGuardServer } from './guard-load.js';
import { createTokenPopulation } from './token-population.js';

const POPULATION = Number(process.env.BENCH_POPULATION ?? 250_000);
const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 20);
const ROUTES = {
  'open': { path: '/bench/open', recordLastUse: true, counts: false },
  'plain': { path: '/bench/plain', recordLastUse: true, counts: false },
  'lru': { path: '/bench/lru', recordLastUse: true, counts: true },
  'tracked': { path: '/bench/tracked', recordLastUse: true, counts: true },
  'tracked-no-last-use': { path: '/bench/tracked', recordLastUse: false, counts: true },
  'tracked-otel': { path: '/bench/tracked', recordLastUse: true, counts: true, telemetry: true },
} as const;

async function main(): Promise<void> {
  const names = (process.argv.length > 2 ? process.argv.slice(2) : Object.keys(ROUTES)) as Array<keyof typeof ROUTES>;
  const dir = fileURLToPath(new URL('../profiles/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const postgres = await startLocalPostgres();
  try {
    await applyMigrations(postgres.url);
    const population = await createTokenPopulation(postgres.url, { count: POPULATION, users: Math.ceil(POPULATION / 4), revokeEvery: 100, lifetimeSeconds: 7_200 });
    for (const name of names) {
      const route = ROUTES[name];
      if (!route) throw new Error(`no route "${name}" (routes: ${Object.keys(ROUTES).join(', ')})`);
      const server = await startGuardServer(postgres.url, { recordLastUse: route.recordLastUse, telemetry: 'telemetry' in route, cpuProfile: { dir, name } });
      let requests = 0;
      try {
        await load(`${server.url}${route.path}`, population, 3, route.counts);
        const outcome = await load(`${server.url}${route.path}`, population, SECONDS, route.counts);
        if (outcome.unexpected > 0 || outcome.result.errors > 0) throw new Error(`${name}: ${outcome.unexpected} unexpected responses`);
        requests = outcome.result.requests.total;
      } finally {
        await server.stop();
      }
      const summary = await summarizeCpuProfile(join(dir, `${name}.cpuprofile`));
      console.log(`## ${name}: ${requests} requests measured, ${summary.totalMs.toFixed(0)} ms of CPU in the profile (warm-up and start included), ${(summary.totalMs * 1000 / requests).toFixed(1)} µs a request, ${(summary.insideGuardsMs * 1000 / requests).toFixed(1)} µs of it inside guards (canActivate)`);
      for (const { frame, share } of summary.places) console.log(`  ${(share * 100).toFixed(1).padStart(5)} %  ${frame}`);
      console.log('  top frames by self time:');
      for (const { frame, share } of summary.frames) console.log(`  ${(share * 100).toFixed(1).padStart(5)} %  ${frame}`);
      console.log();
    }
  } finally {
    await postgres.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
