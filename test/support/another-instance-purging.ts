import pg from 'pg';
import { ADVISORY_LOCK_NAMESPACE } from '../../src/store/prisma-token-store.js';

/**
 * Runs `body` while another connection holds the purge's advisory lock, as
 * an instance in the middle of a purge does; releases it afterwards.
 */
export async function whileAnotherInstancePurges<T>(databaseUrl: string, body: () => Promise<T>): Promise<T> {
  const other = new pg.Client({ connectionString: databaseUrl });
  await other.connect();
  try {
    await other.query('BEGIN');
    await other.query('SELECT pg_advisory_xact_lock($1, 0)', [ADVISORY_LOCK_NAMESPACE]);
    return await body();
  } finally {
    await other.query('COMMIT').catch(() => undefined);
    await other.end();
  }
}
