import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPrismaClient, PrismaClient } from '../../dev/prisma.js';
import { databaseUrl } from '../../dev/local-postgres.mjs';
import { ADMIN_URL_VARIABLE, TEMPLATE_DATABASE } from './test-server.mjs';

/** A migrated database of one's own on the test server. */
export interface TestDatabase {
  readonly url: string;
  readonly prisma: PrismaClient;
  /** A plain pg client for assertions that must not go through the library. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<R[]>;
  /** Another Prisma client on the same database: a second application instance. */
  connectAnotherClient(): PrismaClient;
  dispose(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env[ADMIN_URL_VARIABLE];
  if (!adminUrl) throw new Error(`${ADMIN_URL_VARIABLE} is not set: run the tests through jest's global setup`);
  const name = `token_tracking_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`));
  const url = databaseUrl(adminUrl, name);
  const prisma = createPrismaClient(url);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // pool.end() resolves before its clients' sockets have closed; the DROP
  // DATABASE ... WITH (FORCE) of dispose() can then terminate one (57P01),
  // which the pool re-emits as 'error': without a listener that would crash
  // whichever test file runs next in this worker.
  pool.on('error', () => undefined);
  const extraClients: PrismaClient[] = [];
  return {
    url,
    prisma,
    query: async (sql, values) => (await pool.query(sql, values)).rows,
    connectAnotherClient: () => {
      const client = createPrismaClient(url);
      extraClients.push(client);
      return client;
    },
    dispose: async () => {
      await Promise.all([prisma, ...extraClients].map((client) => client.$disconnect()));
      await pool.end();
      await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
