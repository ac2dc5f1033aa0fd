import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../dev/local-postgres.mjs';

const BIN = '/usr/lib/postgresql/15/bin';

/** A primary and a streaming hot standby of Debian's PostgreSQL 15, made and removed by the test that needs them. */
export interface PrimaryAndStandby {
  readonly primaryUrl: string;
  readonly standbyUrl: string;
  /** Runs SQL on the standby as the superuser (e.g. to pause replay). */
  standbySql(sql: string): string;
  stop(): void;
}

/** Whether Debian's PostgreSQL 15 is installed; required where STANDBY_REQUIRED is set (CI installs it). */
export function standbyAvailable(): boolean {
  const available = existsSync(join(BIN, 'pg_basebackup'));
  if (!available && process.env.STANDBY_REQUIRED) {
    throw new Error('STANDBY_REQUIRED is set but PostgreSQL 15 is not installed (apt-get install -y postgresql-15)');
  }
  return available;
}

/** `maxConnections` on both (a standby needs at least the primary's). */
export async function startPrimaryAndStandby(maxConnections = 100): Promise<PrimaryAndStandby> {
  const dir = mkdtempSync(join(tmpdir(), 'token-tracking-standby-'));
  chmodSync(dir, 0o777);
  const asOwner = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  const run = (binary: string, args: string[]) =>
    execFileSync(asOwner[0] ?? join(BIN, binary), asOwner.length ? [...asOwner.slice(1), join(BIN, binary), ...args] : args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [primaryPort, standbyPort] = [await findFreePort(), await findFreePort()];
  const primaryDir = join(dir, 'primary');
  const standbyDir = join(dir, 'standby');
  const flags = (port: number, data: string) =>
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=${maxConnections} -c wal_level=replica -c hot_standby=on -c hot_standby_feedback=on ${data}`;
  run('initdb', ['-D', primaryDir, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  run('pg_ctl', ['-D', primaryDir, '-w', '-l', join(dir, 'primary.log'), '-o', flags(primaryPort, ''), 'start']);
  try {
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standbyDir, '-R', '-X', 'stream']);
    run('pg_ctl', ['-D', standbyDir, '-w', '-l', join(dir, 'standby.log'), '-o', flags(standbyPort, ''), 'start']);
  } catch (error) {
    run('pg_ctl', ['-D', primaryDir, '-m', 'immediate', 'stop']);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    primaryUrl: `postgresql://postgres@127.0.0.1:${primaryPort}/postgres`,
    standbyUrl: `postgresql://postgres@127.0.0.1:${standbyPort}/postgres`,
    standbySql: (sql) => run('psql', ['-h', '127.0.0.1', '-p', String(standbyPort), '-U', 'postgres', '-d', 'postgres', '-Atc', sql]),
    stop: () => {
      for (const data of [standbyDir, primaryDir]) {
        try {
          run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
        } catch {
          // Already stopped.
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
