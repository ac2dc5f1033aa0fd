// Builds the package: the ESM build (dist/esm) and the CommonJS build
// (dist/cjs) of src/, each with type declarations, and marks each folder
// with its module format. package.json's `exports` serves ESM to `import`
// and, where Node can require ES modules (the `module-sync` condition), to
// `require` too, so one process never holds two copies of the library's
// classes; the CommonJS build serves only runtimes that cannot (CommonJS
// jest, Node before 20.19).
import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
/** @type {Array<[config: string, format: 'module' | 'commonjs']>} */
const builds = [['tsconfig.build.json', 'module'], ['tsconfig.build.cjs.json', 'commonjs']];
for (const [config, format] of builds) {
  const result = spawnSync(process.execPath, [tsc, '-p', config], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  const dir = new URL(`../dist/${format === 'module' ? 'esm' : 'cjs'}/`, import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL('package.json', dir), `${JSON.stringify({ type: format })}\n`);
}
