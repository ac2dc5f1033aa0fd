import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `npx nestjs-token-tracking migrations <dir> [--check]`, as an application's CI runs it. */
async function migrationsCommand(dir: string, ...flags: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/nestjs-token-tracking.mjs', 'migrations', dir, ...flags]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('the migrations command', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'token-tracking-migrations-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports missing folders under --check, copies them without it, then finds them up to date', async () => {
    expect(await migrationsCommand(dir, '--check')).toMatchObject({ code: 1, output: expect.stringContaining('MISSING') });
    expect(await migrationsCommand(dir)).toMatchObject({ code: 0, output: expect.stringContaining('added') });
    const checked = await migrationsCommand(dir, '--check');
    expect(checked.code).toBe(0);
    expect(checked.output).not.toMatch(/MISSING|DIFFERS/);
  });

  it('takes a copy with Windows line ends as the same migration, and refuses one whose SQL changed', async () => {
    expect((await migrationsCommand(dir)).code).toBe(0);
    const folders = (await readdir(dir)).sort();
    expect(folders.length).toBeGreaterThan(0);
    for (const folder of folders) {
      const file = join(dir, folder, 'migration.sql');
      await writeFile(file, (await readFile(file, 'utf8')).replace(/\n/g, '\r\n'));
    }
    expect((await migrationsCommand(dir, '--check')).code).toBe(0);
    const edited = join(dir, folders[0]!, 'migration.sql');
    await writeFile(edited, `${await readFile(edited, 'utf8')}-- changed\r\n`);
    const checked = await migrationsCommand(dir, '--check');
    expect(checked.code).toBe(1);
    expect(checked.output).toContain(`DIFFERS     ${folders[0]}`);
  });
});
