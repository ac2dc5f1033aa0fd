import { randomBytes } from 'node:crypto';
import { applyMigrations } from './apply-migrations.js';

/** Vitest's globalSetup (unit and e2e configs): the database schema and a signing secret. */
export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('set DATABASE_URL to a PostgreSQL database the tests may use');
  const applied = await applyMigrations(url);
  if (applied.length > 0) console.log(`applied migrations: ${applied.join(', ')}`);
  // Test workers inherit it; ConfigService reads it.
  process.env.JWT_SECRET ??= randomBytes(32).toString('base64url');
}
