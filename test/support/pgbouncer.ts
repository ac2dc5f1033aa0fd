import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../../dev/local-postgres.mjs';

const BINARY = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((path) => existsSync(path)) ?? null;

/** A PgBouncer in front of the test server, started and stopped by the test that needs it. */
export interface PgBouncer {
  /** `targetUrl` with PgBouncer's host and port. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Whether PgBouncer is installed (Debian's `pgbouncer`). Tests that need it
 * skip without it, unless PGBOUNCER_REQUIRED is set (CI installs it).
 */
export function pgBouncerAvailable(): boolean {
  if (BINARY === null && process.env.PGBOUNCER_REQUIRED) {
    throw new Error('PGBOUNCER_REQUIRED is set but pgbouncer is not installed (apt-get install -y pgbouncer)');
  }
  return BINARY !== null;
}

/**
 * Starts PgBouncer with `pool_mode` in front of the database of `targetUrl`,
 * with at most `poolSize` server connections (in session mode, one per client).
 */
export async function startPgBouncer(targetUrl: string, poolMode: 'transaction' | 'session', poolSize = 10): Promise<PgBouncer> {
  const target = new URL(targetUrl);
  const database = target.pathname.slice(1);
  const user = decodeURIComponent(target.username);
  const password = decodeURIComponent(target.password);
  const port = await findFreePort();
  const dir = mkdtempSync(join(tmpdir(), 'token-tracking-pgbouncer-'));
  const auth = password ? `"${user}" "${password}"\n` : `"${user}" ""\n`;
  writeFileSync(join(dir, 'userlist.txt'), auth);
  writeFileSync(join(dir, 'pgbouncer.ini'), [
    '[databases]',
    `${database} = host=${target.hostname} port=${target.port} dbname=${database}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    `unix_socket_dir =`,
    `auth_type = ${password ? 'plain' : 'trust'}`,
    `auth_file = ${join(dir, 'userlist.txt')}`,
    `pool_mode = ${poolMode}`,
    `default_pool_size = ${poolSize}`,
    'max_client_conn = 500',
    'ignore_startup_parameters = extra_float_digits,application_name',
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    '',
  ].join('\n'));
  // PgBouncer refuses to run as root.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    chmodSync(dir, 0o777);
    execFileSync('chmod', ['-R', 'a+rw', dir]);
  }
  const command = asRoot ? ['runuser', '-u', 'postgres', '--', BINARY!] : [BINARY!];
  const child: ChildProcess = spawn(command[0]!, [...command.slice(1), join(dir, 'pgbouncer.ini')], { stdio: 'ignore', detached: true });
  await waitForPort(port, child);
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    stop: async () => {
      // SIGTERM: shut down at once (SIGINT would wait for clients); the whole group, runuser included.
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error('pgbouncer did not start listening');
}
