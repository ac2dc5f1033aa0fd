// @ts-check
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

// Plain JavaScript (type-checked through JSDoc): jest's global setup uses it as it is.

const OWN_MIGRATIONS_DIR = findMigrationsDir(dirname(fileURLToPath(import.meta.url)));

/**
 * Applies `prisma/migrations/<name>/migration.sql` in order, recording each in
 * Prisma's own `_prisma_migrations` table (same checksum), so a database set
 * up here is one that `prisma migrate deploy` considers up to date. Prisma's
 * native schema engine cannot be downloaded everywhere; this needs only `pg`.
 * Returns the names of the migrations it applied.
 * @param {string} databaseUrl
 * @param {string} [migrationsDir] Prisma's migrations folder; this repository's by default.
 * @returns {Promise<string[]>}
 */
export async function applyMigrations(databaseUrl, migrationsDir = OWN_MIGRATIONS_DIR) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
        "id" VARCHAR(36) PRIMARY KEY NOT NULL,
        "checksum" VARCHAR(64) NOT NULL,
        "finished_at" TIMESTAMPTZ,
        "migration_name" VARCHAR(255) NOT NULL,
        "logs" TEXT,
        "rolled_back_at" TIMESTAMPTZ,
        "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "applied_steps_count" INTEGER NOT NULL DEFAULT 0
      )`);
    const { rows } = await client.query(
      `SELECT migration_name FROM "_prisma_migrations"
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const done = new Set(rows.map((row) => row.migration_name));
    /** @type {string[]} */
    const applied = [];
    for (const name of await listMigrations(migrationsDir)) {
      if (done.has(name)) continue;
      const sql = await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query(
          `INSERT INTO "_prisma_migrations"
             (id, checksum, finished_at, migration_name, applied_steps_count)
           VALUES ($1, $2, now(), $3, 1)`,
          [randomUUID(), checksum, name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${/** @type {Error} */ (error).message}`);
      }
      applied.push(name);
    }
    return applied;
  } finally {
    await client.end();
  }
}

/**
 * @param {string} migrationsDir
 * @returns {Promise<string[]>}
 */
async function listMigrations(migrationsDir) {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/**
 * Walks up from this file, so it works from the sources and from compiled output alike.
 * @param {string} start
 * @returns {string}
 */
function findMigrationsDir(start) {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'prisma', 'migrations');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`prisma/migrations not found above ${start}`);
  }
}
