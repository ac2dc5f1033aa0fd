import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves once `condition` holds, checking every millisecond; rejects after `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await sleep(1);
  }
}
