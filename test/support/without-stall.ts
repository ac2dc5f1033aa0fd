import { setTimeout as sleep } from 'node:timers/promises';
import { RevocationChecker } from '../../src/index.js';

/**
 * Runs `attempt` until one run saw no event-loop stall (at most three
 * tries). After a stall the replica asks the database on purpose, so a test
 * that counts database checks on a loaded machine needs a run without one.
 */
export async function withoutStall(checker: RevocationChecker, attempt: () => Promise<void>): Promise<void> {
  for (let tries = 1; ; tries++) {
    const before = checker.status.stalls;
    await attempt();
    // A stall is counted at the first turn after it: give that turn time to come.
    await sleep(100);
    if (checker.status.stalls === before) return;
    if (tries === 3) throw new Error('the event loop stalled in three runs in a row: this machine is too loaded to show it');
  }
}
