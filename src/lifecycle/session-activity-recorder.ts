import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { describeCause } from '../store/store-failure.js';
import { TokenStore } from '../store/token-store.interface.js';

/** Sessions remembered as recently recorded; beyond this the oldest are forgotten. */
export const MAX_REMEMBERED_SESSIONS = 100_000;
/** Uses wait this long to be written together in one statement. */
const FLUSH_DELAY_MS = 1_000;

/**
 * Records when sessions were last used without touching the request path:
 * `touch` is a map lookup; the writes are batched into one UPDATE per
 * second, and a session is written at most once per `lastUsedIntervalSeconds`
 * by this process. The UPDATE skips rows a revocation holds, so it can
 * never delay or break one. Memory is bounded by `MAX_REMEMBERED_SESSIONS`.
 *
 * At shutdown, what is still pending (at most a second of use) is dropped,
 * not written: by then the application's Prisma client has usually been
 * disconnected (its module is destroyed first), and a write would open it
 * again and keep the process alive. The next request of those sessions, on
 * any instance, records their use again.
 */
@Injectable()
export class SessionActivityRecorder implements OnModuleDestroy {
  private readonly logger = new Logger('TokenTracking');
  private readonly lastWritten = new Map<string, number>();
  private readonly pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenStore) private readonly store: TokenStore,
  ) {}

  touch(sessionId: string): void {
    const interval = this.options.lastUsedIntervalMs;
    if (interval === 0 || !this.options.trackUserTokens) return;
    const now = this.options.clock();
    const previous = this.lastWritten.get(sessionId);
    if (previous !== undefined && now - previous < interval) return;
    // Re-inserting moves the key to the end: the map's order is least recently written first.
    this.lastWritten.delete(sessionId);
    this.lastWritten.set(sessionId, now);
    if (this.lastWritten.size > MAX_REMEMBERED_SESSIONS) {
      this.lastWritten.delete(this.lastWritten.keys().next().value!);
    }
    this.pending.set(sessionId, now);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS).unref();
  }

  /** Writes what is pending now; failures are logged, never thrown. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return this.flushing;
    const uses = [...this.pending].map(([sessionId, at]) => ({ sessionId, at: new Date(at) }));
    this.pending.clear();
    this.flushing = this.flushing
      .then(() => this.store.recordActivity(uses))
      .catch((error: unknown) => {
        this.logger.warn(`could not record the last use of ${uses.length} session(s): ${describeCause(error instanceof Error && error.cause ? error.cause : error)}`);
      });
    return this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    await this.flushing;
  }
}
