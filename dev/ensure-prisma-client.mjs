// Generates the Prisma client that the demo, the example application, the
// benchmarks and the tests use (dev/prisma-client), unless it is already
// newer than the schema. Run by those scripts themselves, so that a fresh
// clone needs only `npm install`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';

const schemaDir = new URL('../prisma/schema/', import.meta.url);
const generated = new URL('../dev/prisma-client/client.ts', import.meta.url);
const newestSchema = Math.max(...readdirSync(schemaDir).map((name) => statSync(new URL(name, schemaDir)).mtimeMs));
if (!existsSync(generated) || statSync(generated).mtimeMs < newestSchema) {
  const result = spawnSync(process.execPath, [new URL('./prisma-generate.mjs', import.meta.url).pathname], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
