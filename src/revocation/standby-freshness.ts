import { RevocationLog } from './revocation-log.js';

/** Primary positions kept to match against what the standby has replayed. */
const HISTORY = 64;

/**
 * How fresh a hot standby's data is, measured rather than assumed: before
 * each read of the standby, the primary's write-ahead log position is noted
 * with the time, then the standby's replayed position is read. Every
 * transaction committed on the primary before a noted time has its commit
 * record at or below the position noted then, so once the standby has
 * replayed past it, a snapshot taken on the standby afterwards sees all of
 * them. The standby's data is fresh as of the latest such time.
 */
export class StandbyFreshness {
  private readonly noted: Array<{ at: number; lsn: bigint }> = [];
  /** How far behind the primary the last measurement found the standby, in ms. */
  lagMs: number | null = null;

  constructor(private readonly primary: RevocationLog) {}

  /** The time (performance.now()) the standby's data is fresh as of, or null when it has replayed nothing noted. */
  async measure(standby: RevocationLog): Promise<number | null> {
    const at = performance.now();
    const { lsn } = await this.primary.walPosition();
    this.noted.push({ at, lsn });
    if (this.noted.length > HISTORY) this.noted.shift();
    const replayed = await standby.walPosition();
    let freshAsOf: number | null = null;
    for (const entry of this.noted) if (entry.lsn <= replayed.lsn) freshAsOf = entry.at;
    this.lagMs = freshAsOf === null ? null : Math.max(0, at - freshAsOf);
    return freshAsOf;
  }
}
