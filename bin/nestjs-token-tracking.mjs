#!/usr/bin/env node
// Puts the library's Prisma migrations and models into an application, so
// that `prisma migrate deploy` applies them with the application's own.
import { copyFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const ownMigrations = join(packageRoot, 'prisma', 'migrations');
const ownModels = join(packageRoot, 'prisma', 'schema', 'token-tracking.prisma');

const USAGE = `Usage:
  nestjs-token-tracking migrations <dir> [--check]
      Copies the library's migration folders that <dir> (your prisma/migrations) lacks.
      Safe to run again, and after every upgrade: existing folders are left alone,
      and a folder whose SQL differs from the library's is reported, never overwritten.
      With --check, copies nothing and exits 1 if a folder is missing or differs.
  nestjs-token-tracking schema <dir> [--check]
      Copies token-tracking.prisma (the library's models) into <dir>, your Prisma
      schema folder (prisma/schema), or checks that it is there and current.`;

async function main(argv) {
  const [command, dir, ...flags] = argv;
  const check = flags.includes('--check');
  const unknown = flags.filter((flag) => flag !== '--check');
  if (!dir || unknown.length > 0 || !['migrations', 'schema'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  return command === 'migrations' ? migrations(resolve(dir), check) : schema(resolve(dir), check);
}

/** A checkout with Windows line ends (git's autocrlf) holds the same migration. */
function withUnixLineEnds(text) {
  return text.replace(/\r\n/g, '\n');
}

async function migrations(target, check) {
  const names = (await readdir(ownMigrations, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  let problems = 0;
  for (const name of names) {
    const source = join(ownMigrations, name, 'migration.sql');
    const destination = join(target, name, 'migration.sql');
    const existing = await readFile(destination, 'utf8').then(withUnixLineEnds, () => null);
    const wanted = await readFile(source, 'utf8');
    if (existing === wanted) {
      console.log(`  up to date  ${name}`);
    } else if (existing !== null) {
      problems++;
      console.error(`  DIFFERS     ${name}: your copy is not the library's; a migration that ran must not change (restore it from the package)`);
    } else if (check) {
      problems++;
      console.error(`  MISSING     ${name}`);
    } else {
      await mkdir(join(target, name), { recursive: true });
      await copyFile(source, destination);
      console.log(`  added       ${name}`);
    }
  }
  if (problems > 0) return 1;
  if (!check) console.log(`Migrations are in ${target}. Apply them with: npx prisma migrate deploy`);
  return 0;
}

async function schema(target, check) {
  const destination = join(target, 'token-tracking.prisma');
  const wanted = await readFile(ownModels, 'utf8');
  const existing = await readFile(destination, 'utf8').then(withUnixLineEnds, () => null);
  if (existing === wanted) {
    console.log(`  up to date  ${destination}`);
    return 0;
  }
  if (check) {
    console.error(`  ${existing === null ? 'MISSING' : 'OUTDATED'}  ${destination}`);
    return 1;
  }
  if (!(await stat(target).then((info) => info.isDirectory(), () => false))) {
    console.error(`${target} is not a folder: pass your Prisma schema folder (for example prisma/schema)`);
    return 1;
  }
  await copyFile(ownModels, destination);
  console.log(`  ${existing === null ? 'added' : 'updated'}  ${destination}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
