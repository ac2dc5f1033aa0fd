// @ts-check
import pg from 'pg';
import { databaseUrl, startLocalPostgres } from '../../dev/local-postgres.mjs';
import { applyMigrations } from '../../dev/migrate.mjs';
import { ADMIN_URL_VARIABLE, TEMPLATE_DATABASE } from './test-server.mjs';

/**
 * Starts one PostgreSQL for the whole run (or uses DATABASE_URL) and builds a
 * migrated template database; every test file clones it into a database of
 * its own, so files run in parallel without seeing each other's rows.
 */
export default async function globalSetup() {
  const postgres = await startLocalPostgres();
  // Read by global-teardown, which jest runs in this same process.
  Object.assign(globalThis, { __tokenTrackingPostgres: postgres });
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  await applyMigrations(databaseUrl(postgres.url, TEMPLATE_DATABASE));
  process.env[ADMIN_URL_VARIABLE] = postgres.url;
}
