/**
 * The wait before retry number `attempt` (1 for the first): doubling from
 * `minMs` up to `maxMs`, and anywhere in the upper half of that ("equal
 * jitter"), so that instances that lost the database at the same moment do
 * not all come back at the same moment.
 */
export function backoffWithJitter(attempt: number, minMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
