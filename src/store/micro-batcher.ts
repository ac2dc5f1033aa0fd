// From node:timers rather than the global: test suites that fake timers
// (jest.useFakeTimers) replace the global, and a login waiting for a faked
// timer would never finish.
import { setImmediate } from 'node:timers';

interface Pending<TItem, TResult> {
  readonly item: TItem;
  readonly resolve: (result: TResult) => void;
  readonly reject: (error: unknown) => void;
}

export interface MicroBatcherOptions<TItem, TResult> {
  /** Runs one batch; resolves with one result per item, in order. */
  readonly run: (items: readonly TItem[]) => Promise<readonly TResult[]>;
  /** Items per batch at most; more wait for the next batch. */
  readonly maxItems: number;
  /**
   * Whether a batch that failed with this error should be run again item by
   * item, so that the one item that caused it fails alone (a batch that
   * failed for every item, such as an outage, should not).
   */
  readonly retryAlone: (error: unknown) => boolean;
}

/**
 * Coalesces the calls made during one turn of the event loop into one batch.
 * Under load, callers resumed by the same database answer submit together,
 * so a batch costs one statement instead of one per call; a lone call waits
 * only for the rest of the current turn.
 */
export class MicroBatcher<TItem, TResult> {
  private queue: Array<Pending<TItem, TResult>> = [];
  private scheduled = false;

  constructor(private readonly options: MicroBatcherOptions<TItem, TResult>) {}

  submit(item: TItem): Promise<TResult> {
    return new Promise<TResult>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      void this.runBatch(this.queue.splice(0, this.options.maxItems));
    }
  }

  private async runBatch(batch: ReadonlyArray<Pending<TItem, TResult>>): Promise<void> {
    try {
      const results = await this.options.run(batch.map((pending) => pending.item));
      batch.forEach((pending, index) => pending.resolve(results[index]!));
    } catch (error) {
      if (batch.length > 1 && this.options.retryAlone(error)) {
        await Promise.all(batch.map((pending) => this.runBatch([pending])));
        return;
      }
      for (const pending of batch) pending.reject(error);
    }
  }
}
