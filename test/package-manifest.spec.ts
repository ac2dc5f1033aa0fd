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

const packageOf = (specifier: string) => {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
};

/** The published library must load in an application that installed only what the manifest asks for. */
describe('package.json', () => {
  let manifest: Record<string, Record<string, unknown>>;
  const statically = new Set<string>();
  const optionally = new Set<string>();

  beforeAll(async () => {
    manifest = JSON.parse(await readFile('package.json', 'utf8'));
    for (const file of await sourceFiles('src')) {
      const text = await readFile(file, 'utf8');
      for (const [, kind, specifier] of text.matchAll(/(import type [^;]*?from |from |import\(|loadOptionalPeer(?:<[^>]*>)?\()'([^'.][^']*)'/g)) {
        if (specifier!.startsWith('node:') || kind!.startsWith('import type')) continue;
        (kind!.startsWith('loadOptionalPeer') ? optionally : statically).add(packageOf(specifier!));
      }
    }
  });

  it('declares every package the library imports as a dependency or a required peer', () => {
    const required = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}).filter((name) => !(manifest.peerDependenciesMeta?.[name] as { optional?: boolean })?.optional),
    ]);
    // Not passport-jwt: the library has its own default extractor, and keeps the dependency for applications' extractors.
    expect([...statically]).toEqual(expect.arrayContaining(['@nestjs/common', '@nestjs/core', '@nestjs/passport', 'passport-strategy']));
    expect([...statically].filter((name) => !required.has(name))).toEqual([]);
  });

  it('loads optional peers only through loadOptionalPeer, and marks exactly those optional', () => {
    const optionalPeers = Object.entries(manifest.peerDependenciesMeta ?? {})
      .filter(([, meta]) => (meta as { optional?: boolean }).optional)
      .map(([name]) => name);
    expect([...optionally].sort()).toEqual([...optionalPeers].sort());
    expect([...optionally].filter((name) => statically.has(name))).toEqual([]);
  });

  it('ships no install script a consumer would have to review', () => {
    const scripts = Object.keys(manifest.scripts ?? {});
    expect(scripts.filter((name) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(name))).toEqual([]);
  });

  it('types every entry point for both module systems', () => {
    const root = (manifest.exports as Record<string, Record<string, { types: string; default: string }>>)['.']!;
    for (const condition of ['module-sync', 'import', 'require']) {
      expect(root[condition]?.types).toMatch(/\.d\.ts$/);
      expect(root[condition]?.default).toMatch(/\.js$/);
    }
    expect(root.require!.default).toContain('/cjs/');
    expect(root['module-sync']!.default).toBe(root.import!.default);
  });
});
