// Generates the Prisma client that the demo, the example application and the
// tests use. `prisma generate` does not need Prisma's native schema engine, but
// Prisma 7 tries to download it first; pointing PRISMA_SCHEMA_ENGINE_BINARY at
// any existing file skips that download, so installs also work offline.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

const prismaCli = require.resolve('prisma/build/index.js', { paths: [root] });

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = fileURLToPath(import.meta.url);
}
const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', 'prisma/schema'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
