#!/usr/bin/env node
// @ts-check
// What users download: checks the packed tarball as the registry would serve it.
//
//   node test/package/check-tarball.mjs [<tarball>]
//
// Without a tarball, packs the repository (`prepack` builds dist/) into a
// temporary folder. Fails when an entry point package.json names is missing,
// when tests, sources, tooling or credentials are in it, when a source map
// names a source that is neither shipped nor inlined, when the README shows
// an image or links a document the registry cannot serve, or when a
// migration of this tree is not shipped.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Where the README's absolute links point: the files of the latest published version. */
const PUBLISHED_FILES = 'https://unpkg.com/nestjs-token-tracking/';

const work = mkdtempSync(join(tmpdir(), 'token-tracking-package-'));
/** @type {Array<{ name: string, problems: string[] }>} */
const checks = [];
try {
  const tarball = process.argv[2] ? resolve(process.argv[2]) : pack();
  execFileSync('tar', ['-xzf', tarball, '-C', work]);
  const root = join(work, 'package');
  const files = new Set(listFiles(root));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const text = (/** @type {string} */ file) => readFileSync(join(root, file), 'utf8');

  check('every entry point package.json names is in the tarball', () =>
    entryPoints(manifest).filter((file) => !files.has(file)).map((file) => `${file} is missing`));

  check('no tests, sources, tooling or local files', () =>
    [...files].filter((file) =>
      /(^|\/)(test|tests|__tests__|src|dev|bench|examples|node_modules|coverage|\.ci|\.github)\//.test(file) ||
      /\.(spec|test|e2e-spec)\.[cm]?[jt]s$/.test(file) ||
      /(^|\/)(\.env(\..*)?|\.npmrc|\.DS_Store|.*\.log|.*\.tgz|.*\.tsbuildinfo)$/.test(file),
    ).map((file) => `${file} should not be published`));

  check('no credentials', () => {
    const patterns = [
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      /\bnpm_[A-Za-z0-9]{36}\b/,
      /\bgh[pousr]_[A-Za-z0-9]{36}\b/,
      /\bAKIA[0-9A-Z]{16}\b/,
      /\/\/[^/\s]*:_authToken=/,
    ];
    /** @type {string[]} */
    const problems = [];
    for (const file of files) {
      if (/\.(png|jpe?g|gif|ico|woff2?)$/.test(file)) continue;
      const content = text(file);
      for (const pattern of patterns) if (pattern.test(content)) problems.push(`${file} matches ${pattern}`);
    }
    return problems;
  });

  check('every source map names sources that are shipped or inlined', () => {
    /** @type {string[]} */
    const problems = [];
    for (const file of [...files].filter((name) => name.endsWith('.map'))) {
      /** @type {{ sources: string[], sourceRoot?: string, sourcesContent?: Array<string | null> }} */
      const map = JSON.parse(text(file));
      map.sources.forEach((source, index) => {
        const shipped = files.has(normalize(join(dirname(file), map.sourceRoot ?? '', source)));
        const inlined = typeof map.sourcesContent?.[index] === 'string';
        if (!shipped && !inlined) problems.push(`${file}: ${source} is neither shipped nor inlined`);
      });
    }
    return problems;
  });

  check("the README's images and document links work on the registry", () => {
    /** @type {string[]} */
    const problems = [];
    for (const [, target = ''] of text('README.md').matchAll(/\]\(([^)\s]+)\)/g)) {
      if (target.startsWith('#') || /^https?:\/\//.test(target) && !target.startsWith(PUBLISHED_FILES)) continue;
      if (!target.startsWith(PUBLISHED_FILES)) {
        problems.push(`${target} is relative: the registry's page cannot follow it; link ${PUBLISHED_FILES}${target}`);
        continue;
      }
      const file = target.slice(PUBLISHED_FILES.length).split('#')[0] ?? '';
      if (!files.has(file)) problems.push(`${target}: ${file} is not in the tarball`);
    }
    return problems;
  });

  check("every migration of this tree is shipped, and nothing else under prisma/", () => {
    const migrations = readdirSync(join(repoRoot, 'prisma', 'migrations'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `prisma/migrations/${entry.name}/migration.sql`);
    const missing = migrations.filter((file) => !files.has(file)).map((file) => `${file} is missing`);
    const extra = [...files]
      .filter((file) => file.startsWith('prisma/') && file !== 'prisma/schema/token-tracking.prisma' && file !== 'prisma/migrations/migration_lock.toml')
      .filter((file) => !migrations.includes(file))
      .map((file) => `${file} should not be published`);
    return [...missing, ...extra];
  });

  console.log(`\n${files.size} files in ${tarball.split('/').pop()}`);
} catch (error) {
  checks.push({ name: 'the tarball could be packed and read', problems: [error instanceof Error ? error.message : String(error)] });
} finally {
  rmSync(work, { recursive: true, force: true });
}

const failed = checks.filter((entry) => entry.problems.length > 0);
for (const { name, problems } of checks) {
  console.log(`  ${problems.length === 0 ? 'ok  ' : 'FAIL'}  ${name}`);
  for (const problem of problems) console.log(`          ${problem}`);
}
console.log(`package: ${checks.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length > 0 ? 1 : 0);

/**
 * @param {string} name
 * @param {() => string[]} findProblems
 */
function check(name, findProblems) {
  checks.push({ name, problems: findProblems() });
}

function pack() {
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return join(work, JSON.parse(output.slice(output.indexOf('[')))[0].filename);
}

/**
 * Every file the manifest points at: main, types, module, bin and each target of exports.
 * @param {{ main?: string, types?: string, module?: string, bin?: Record<string, string>, exports?: unknown }} manifest
 */
function entryPoints(manifest) {
  /** @type {Array<string | undefined>} */
  const targets = [manifest.main, manifest.types, manifest.module, ...Object.values(manifest.bin ?? {})];
  /** @param {unknown} value */
  const walk = (value) => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(manifest.exports);
  return [...new Set(targets.filter((target) => typeof target === 'string').map((target) => normalize(target)))];
}

/**
 * @param {string} dir
 * @param {string} [prefix]
 * @returns {string[]}
 */
function listFiles(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(dir, path) : [path];
  });
}
