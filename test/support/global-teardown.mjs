// @ts-check
import pg from 'pg';
import { TEMPLATE_DATABASE } from './test-server.mjs';

export default async function globalTeardown() {
  /** @type {import('../../dev/local-postgres.mjs').LocalPostgres | undefined} */
  const postgres = Reflect.get(globalThis, '__tokenTrackingPostgres');
  if (!postgres) return;
  if (!postgres.embedded) {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`).finally(() => admin.end());
  }
  await postgres.stop();
}
