import { performance } from 'node:perf_hooks';

/**
 * Notices when this process's event loop stops turning for longer than
 * `thresholdMs`: a long garbage collection, a frozen VM or container, CPU
 * throttling. During such a stall, revocation notifications wait unread in
 * their socket while requests wait in theirs, and afterwards nothing orders
 * the two: a request may be checked before the notification of a
 * revocation made before it was sent. `stalled` is true from the moment
 * the loop stops turning; `onStall` runs once the loop turns again, so that
 * the replica can stop answering from memory until a round trip on its
 * connection proves every earlier notification applied.
 */
export class EventLoopStallWatch {
  private lastTurnAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  /** Stalls noticed since start. */
  count = 0;

  constructor(
    private readonly thresholdMs: number,
    private readonly onStall: (gapMs: number) => void,
  ) {}

  start(): void {
    this.lastTurnAt = performance.now();
    this.timer = setInterval(() => this.turn(), Math.max(1, Math.floor(this.thresholdMs / 5)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The loop has not turned for longer than the threshold (read on every answer from memory). */
  get stalled(): boolean {
    return this.timer !== undefined && performance.now() - this.lastTurnAt > this.thresholdMs;
  }

  private turn(): void {
    const now = performance.now();
    const gapMs = now - this.lastTurnAt;
    this.lastTurnAt = now;
    if (gapMs <= this.thresholdMs) return;
    this.count++;
    this.onStall(gapMs);
  }
}
