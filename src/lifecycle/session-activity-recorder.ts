import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { TokenEventPublisher } from '../events/token-event-publisher.js';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { ThrottledWarning } from '../observability/throttled-warning.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { RevocationChecker } from '../revocation/revocation-checker.js';
import { revocationStamp } from '../revocation/revocation-stamp.js';
import { describeCause } from '../store/store-failure.js';
import { IdleDeadline, SessionUse, TokenStore } from '../store/token-store.interface.js';
import { announceIdleRevocations, IDLE_REVOCATION_REASON } from './idle-revocations.js';

/** Sessions remembered as recently recorded (at least the last half of this many); beyond, the oldest are forgotten. */
export const MAX_REMEMBERED_SESSIONS = 100_000;
/** Uses wait this long to be written together (less with a short `lastUsedIntervalSeconds`, see `flushDelayMs`). */
const FLUSH_DELAY_MS = 1_000;
/**
 * Uses a statement writes at most; as many pending are written at once.
 * Sending a batch and reading its answer blocks the event loop for a time
 * that grows faster than its size (medians of 1.5-1.9 ms for 500 uses,
 * 5.6-8.7 ms for 3,000, measured on a 2-core machine): small batches keep
 * that out of the requests' tail latency, for a few more statements a
 * second on a busy instance.
 */
export const MAX_USES_PER_STATEMENT = 500;

/**
 * Records when sessions were last used without touching the request path:
 * `touch` is a map lookup; the writes are batched into UPDATEs of up to
 * `MAX_USES_PER_STATEMENT` uses, at least once a second, and a session is
 * written at most once per `lastUsedIntervalSeconds` (this process does not
 * send what it remembers writing within the interval, and the UPDATE leaves
 * alone what any process wrote within it). The UPDATE skips rows a
 * revocation holds, so it never waits for one nor breaks one; a revocation
 * may wait for the statements holding its sessions' rows (one per
 * instance, each short). Memory is bounded by
 * `MAX_REMEMBERED_SESSIONS`.
 *
 * With `sessionIdleTimeout`, a use at or after its session's idle deadline
 * is not recorded (it would bring the session back) and the session is
 * revoked as idle when the batch is written, as the sweep would later.
 *
 * At shutdown, what is still pending (at most a second of use), and every
 * batch of a flush that has not started yet, is dropped, not written: by
 * then the application's Prisma client has usually been disconnected (its
 * module is destroyed first), and a write would open it again and keep the
 * process alive. The next request of those sessions, on any instance,
 * records their use again.
 */
@Injectable()
export class SessionActivityRecorder implements OnModuleDestroy {
  /** Once a second at most, as when a flush was one statement: an outage fails every batch. */
  private readonly failureWarning = new ThrottledWarning(FLUSH_DELAY_MS);
  /**
   * When this process last wrote each session's use, in two generations:
   * written into `recent`, which becomes `older` (dropping the previous
   * `older`) once it holds half of `MAX_REMEMBERED_SESSIONS`. Bounded like
   * a least-recently-written map, without reordering a map on every request.
   */
  private recent = new Map<string, number>();
  private older = new Map<string, number>();
  private readonly pending = new Map<string, number>();
  /** The sessions whose entry in `pending` is a use refused as late (`reportLateUse`), not a use. */
  private readonly lateReports = new Set<string>();
  /** Set at shutdown: nothing more is written. */
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  /** A flush of a full batch, due once the current request's work is done. */
  private immediate: NodeJS.Immediate | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenStore) private readonly store: TokenStore,
    @Inject(RevocationChecker) private readonly revocations: RevocationChecker,
    @Inject(TokenEventPublisher) private readonly events: TokenEventPublisher,
  ) {}

  touch(sessionId: string): void {
    const interval = this.options.lastUsedIntervalMs;
    if (interval === 0 || !this.options.trackUserTokens || this.closed) return;
    const now = this.options.clock();
    const previous = this.recordedUseMs(sessionId);
    if (previous !== undefined && now - previous < interval) return;
    // A use still waiting to be written stays: replaced by this one, it would
    // never reach the database, which may then take this one for late. A
    // late report waiting is replaced: this use was let in, so it is not late.
    if (this.pending.has(sessionId) && !this.lateReports.has(sessionId)) return;
    if (this.lateReports.size > 0) this.lateReports.delete(sessionId);
    this.recent.set(sessionId, now);
    if (this.recent.size >= MAX_REMEMBERED_SESSIONS / 2) {
      this.older = this.recent;
      this.recent = new Map();
    }
    this.pending.set(sessionId, now);
    this.scheduleFlush();
  }

  /**
   * When this process last recorded a use of the session (written, or
   * waiting to be written), if it remembers one: the session's recorded
   * last use is at least this once the write lands.
   */
  recordedUseMs(sessionId: string): number | undefined {
    // Not `pending`: it also holds uses refused as late (`reportLateUse`), which must not count as uses.
    return this.recent.get(sessionId) ?? this.older.get(sessionId);
  }

  /**
   * A use refused as past the session's idle deadline: written with the
   * next batch, which does not record it and ends the session as idle.
   */
  reportLateUse(sessionId: string): void {
    if (!this.options.trackUserTokens || this.closed) return;
    const now = this.options.clock();
    const idleSeconds = this.options.sessionIdleTimeoutSeconds;
    // A use waiting to be written that this one is within the timeout of is
    // kept: the session was in use, and the database had yet to learn it.
    const waiting = this.pending.get(sessionId);
    if (waiting !== undefined && idleSeconds !== null && now - waiting < idleSeconds * 1000) return;
    this.pending.set(sessionId, now);
    this.lateReports.add(sessionId);
    this.scheduleFlush();
  }

  /** Writes what is pending now, in batches one after another; failures are logged, never thrown. */
  flush(): Promise<void> {
    this.cancelScheduledFlush();
    if (this.pending.size === 0) return this.flushing;
    const uses = [...this.pending].map(([sessionId, at]) => ({ sessionId, at: new Date(at) }));
    this.pending.clear();
    this.lateReports.clear();
    for (let start = 0; start < uses.length; start += MAX_USES_PER_STATEMENT) {
      const batch = uses.slice(start, start + MAX_USES_PER_STATEMENT);
      this.flushing = this.flushing
        .then(() => (this.closed ? undefined : this.write(batch)))
        .catch((error: unknown) => {
          // Not written: what this process remembers of them would overstate their last use.
          this.forget(batch);
          this.failureWarning.warn(`could not record the last use of ${batch.length} session(s): ${describeCause(error instanceof Error && error.cause ? error.cause : error)}`);
        });
    }
    return this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    this.cancelScheduledFlush();
    this.pending.clear();
    this.lateReports.clear();
    await this.flushing;
  }

  /** A full batch is written as soon as the event loop is free, the rest within `FLUSH_DELAY_MS`. */
  private scheduleFlush(): void {
    if (this.pending.size >= MAX_USES_PER_STATEMENT) {
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        void this.flush();
      }).unref();
    } else {
      this.timer ??= setTimeout(() => void this.flush(), this.flushDelayMs()).unref();
    }
  }

  /**
   * At most a quarter of the interval: a session in continuous use is then
   * written at most 1.25 intervals after its previous write, well within an
   * idle timeout of twice the interval even when the interval is a second.
   */
  private flushDelayMs(): number {
    const interval = this.options.lastUsedIntervalMs;
    return interval > 0 ? Math.min(FLUSH_DELAY_MS, interval / 4) : FLUSH_DELAY_MS;
  }

  private cancelScheduledFlush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearImmediate(this.immediate);
    this.immediate = undefined;
  }

  private async write(uses: readonly SessionUse[]): Promise<void> {
    const idleSeconds = this.options.sessionIdleTimeoutSeconds;
    const idle: IdleDeadline | undefined = idleSeconds === null
      ? undefined
      : { timeoutMs: idleSeconds * 1000, stamp: revocationStamp(this.options, IDLE_REVOCATION_REASON) };
    const outcome = await this.store.recordActivity(uses, idle, this.options.lastUsedIntervalMs);
    if (outcome?.recordedElsewhere?.length) {
      const sent = new Map(uses.map((use) => [use.sessionId, use.at.getTime()]));
      for (const { sessionId, at } of outcome.recordedElsewhere) this.rememberRecordedElsewhere(sessionId, at.getTime(), sent.get(sessionId));
    }
    if (!idle || !outcome || outcome.sessions.length === 0) return;
    const endedIds = new Set(outcome.sessions.map((session) => session.sessionId));
    this.forget(uses.filter((use) => endedIds.has(use.sessionId)));
    announceIdleRevocations(this.revocations, this.events, outcome, idle.stamp);
  }

  /**
   * The session's last use as the database has it, written by another
   * process within the interval: the next write is due an interval after
   * it, not after the use this process sent. Only while what this process
   * remembers is still that use (not a later one, which the idle deadline
   * check relies on), and in its generation.
   */
  private rememberRecordedElsewhere(sessionId: string, atMs: number, sentMs: number | undefined): void {
    if (sentMs === undefined || this.recordedUseMs(sessionId) !== sentMs) return;
    if (this.recent.has(sessionId)) this.recent.set(sessionId, atMs);
    else this.older.set(sessionId, atMs);
  }

  private forget(uses: readonly SessionUse[]): void {
    for (const { sessionId, at } of uses) {
      if (this.recordedUseMs(sessionId) === at.getTime()) {
        this.recent.delete(sessionId);
        this.older.delete(sessionId);
      }
    }
  }
}
