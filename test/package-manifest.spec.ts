import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map(async (entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  }));
  return nested.flat();
}

/** The published library must not import a package an application would not install with it. */
describe('package.json', () => {
  it('declares every package the library code imports as a dependency or peer dependency', async () => {
    const manifest = JSON.parse(await readFile('package.json', 'utf8'));
    const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
    const imported = new Set<string>();
    for (const file of await sourceFiles('src')) {
      const text = await readFile(file, 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from |import\()'([^'.][^']*)'/g)) {
        if (specifier!.startsWith('node:')) continue;
        const parts = specifier!.split('/');
        imported.add(specifier!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
      }
    }
    expect([...imported]).toEqual(expect.arrayContaining(['@nestjs/common', 'pg', '@nestjs/event-emitter', '@nestjs/schedule']));
    expect([...imported].filter((name) => !declared.has(name))).toEqual([]);
  });
});
