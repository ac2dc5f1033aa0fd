import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** /proc/<pid>/stat fields after the command name (which may contain spaces). */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * CPU seconds used so far by a PostgreSQL server: its postmaster, every
 * live child, and (through the postmaster's children's times) every child
 * that has exited, so that a difference of two readings counts backends
 * that came and went in between. Linux only.
 */
export function postgresCpuSeconds(postmasterPid: number): number {
  const own = statFields(postmasterPid);
  if (!own) throw new Error(`no process ${postmasterPid}`);
  // Fields 14-17 of stat (utime, stime, cutime, cstime) are at 11-14 here.
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const fields = statFields(pid);
    if (fields && Number(fields[1]) === postmasterPid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** The postmaster of the backend with process id `backendPid` (from `pg_backend_pid()`). */
export function postmasterOf(backendPid: number): number {
  const fields = statFields(backendPid);
  if (!fields) throw new Error(`no process ${backendPid}: is PostgreSQL on this machine?`);
  return Number(fields[1]);
}

/** Measures a server's CPU over an interval, as a share of one core. */
export class CpuMeter {
  private startedAt = 0;
  private startSeconds = 0;

  constructor(private readonly postmasterPid: number) {}

  start(): void {
    this.startedAt = performance.now();
    this.startSeconds = postgresCpuSeconds(this.postmasterPid);
  }

  /** Per cent of one core since `start()`. */
  stop(): { percent: number; seconds: number; wallSeconds: number } {
    const seconds = postgresCpuSeconds(this.postmasterPid) - this.startSeconds;
    const wallSeconds = (performance.now() - this.startedAt) / 1000;
    return { percent: (seconds / wallSeconds) * 100, seconds, wallSeconds };
  }
}
