import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { RevocationAnnouncement } from '../store/revocation-announcements.js';
import { withTimeout } from '../runtime/with-timeout.js';
import { ThrottledWarning } from '../observability/throttled-warning.js';
import { backoffWithJitter } from './backoff.js';
import { EventLoopStallWatch } from './event-loop-stall-watch.js';
import { FeedClient, NotificationListener } from './notification-listener.js';
import { BlockRange, END_OF_LOG, LogRead, RevocationLog, TableExtent } from './revocation-log.js';
import { RevocationReplica } from './revocation-replica.js';
import { StandbyFreshness } from './standby-freshness.js';

/** An event loop stalled longer than this may have left notifications unread behind requests. */
export const STALL_THRESHOLD_MS = 250;
/** Rows a block is assumed to hold when PostgreSQL has no estimate yet (a deny-list row takes 100–200 bytes of an 8 kB block). */
const UNKNOWN_ROWS_PER_BLOCK = 40;

export interface RevocationFeedOptions {
  /** How often the log is read. */
  readonly pollIntervalMs: number;
  /** Past this since the snapshot of the last read, the replica stops answering "not revoked". */
  readonly maxStalenessMs: number;
  /** The LISTEN connection (a direct or session-mode URL), or null to poll only. */
  readonly listen: { readonly connectionString: string; readonly probeIntervalMs: number } | null;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  /** Deny-list entries whose tokens expired longer ago than this are not loaded. */
  readonly toleranceMs: number;
  /** Watermarks set longer ago than this are not loaded. */
  readonly watermarkLifetimeMs: number;
  /** Rows per statement while loading or catching up. */
  readonly pageSize: number;
  /** How often expired entries are dropped. */
  readonly sweepMs: number;
  readonly clock: () => number;
}

/**
 * Keeps a `RevocationReplica` equal to the database. The source of truth is
 * the revocation log (see `RevocationLog`), read through the ordinary pool:
 * loaded whole once, then read from the last position every
 * `pollIntervalMs`, and after a lost connection resumed from that position
 * rather than reloaded. Each read proves the replica fresh as of its
 * snapshot; `maxStalenessMs` after the last proof the replica stops
 * answering "not revoked" by itself, whatever went wrong, so a revocation is
 * never accepted silently for longer than that.
 *
 * With `listen`, notifications apply other instances' revocations within
 * milliseconds as well; a probe proves they arrive (see
 * `NotificationListener`). Never throws into the application.
 */
export class RevocationFeed {
  private readonly logger = new Logger('TokenTracking');
  private readonly pollWarning = new ThrottledWarning(30_000);
  private readonly listener: NotificationListener | null;
  private readonly stalls = new EventLoopStallWatch(STALL_THRESHOLD_MS, (gapMs) => this.afterStall(gapMs));
  private sweeper: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private stopped = true;
  /** The snapshot of the last read; null until loaded (or when a reload is due). */
  private position: string | null = null;
  /** Whether this feed holds the replica's fence (set by a stall, lifted by a read that began after it). */
  private fenced = false;
  /** Counts stalls, so that a read knows whether one happened while it was in flight. */
  private stallEpoch = 0;
  private failures = 0;
  /** When the replica last became synced (epoch ms); for health checks. */
  lastSyncedAt: number | null = null;
  /** When the last read of the log completed (epoch ms). */
  lastReadAt: number | null = null;
  /** Why the last read failed, while reads fail. */
  readFailure: string | null = null;

  constructor(
    private readonly replica: RevocationReplica,
    private readonly log: RevocationLog,
    /** With `log` on a hot standby: the primary, to measure how far behind the standby is. */
    private readonly standby: StandbyFreshness | null,
    private readonly options: RevocationFeedOptions,
    createClient: (connectionString: string) => Promise<FeedClient>,
  ) {
    this.listener = options.listen
      ? new NotificationListener(
          { connectionString: options.listen.connectionString, probeIntervalMs: options.listen.probeIntervalMs,
            reconnectMinMs: options.reconnectMinMs, reconnectMaxMs: options.reconnectMaxMs },
          createClient,
          (channel, payload) => log.notify(channel, payload),
          (announcement) => this.announced(announcement),
        )
      : null;
  }

  /** Notifications are confirmed to arrive. */
  get listening(): boolean {
    return this.listener?.listening ?? false;
  }

  /** Why notifications do not arrive, when LISTEN is configured and they do not. */
  get listenFailure(): string | null {
    return this.listener?.failure ?? null;
  }

  /** The event loop has not turned for longer than `STALL_THRESHOLD_MS`. */
  get stalled(): boolean {
    return this.stalls.stalled;
  }

  /** Event-loop stalls noticed since start (each sent checks to the database for a moment). */
  get stallCount(): number {
    return this.stalls.count;
  }

  /** How far behind the primary the standby read last was, in ms (null when not reading a standby). */
  get standbyLagMs(): number | null {
    return this.standby?.lagMs ?? null;
  }

  /**
   * Starts loading and following the log, and returns at once: the
   * application serves while the replica loads (its checks ask the
   * database meanwhile, or are refused under `whenUnsynced: 'reject'`).
   */
  start(): void {
    this.stopped = false;
    this.sweeper = setInterval(() => this.sweep(), this.options.sweepMs);
    this.sweeper.unref();
    this.stalls.start();
    this.listener?.start();
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    this.stalls.stop();
    this.wake?.();
    // A read hung on a frozen database must not hold the application's shutdown: its outcome is ignored.
    await Promise.all([this.listener?.stop(), withTimeout(this.running ?? Promise.resolve(), 1_000, 'stopping the revocation feed').catch(() => undefined)]);
    this.replica.desynchronize();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let waitMs = this.options.pollIntervalMs;
      try {
        // A read that hangs (a frozen database) must not stop the loop: freshness runs out meanwhile.
        const deadlineMs = Math.max(this.options.maxStalenessMs, 5_000);
        if (this.position === null) await this.load(deadlineMs);
        else await withTimeout(this.read(), deadlineMs, 'reading the revocation log');
        this.failures = 0;
        if (this.readFailure !== null) this.logger.log('revocation log readable again; the replica is current');
        this.readFailure = null;
      } catch (error) {
        this.failures++;
        this.readFailure = (error as Error)?.message ?? String(error);
        this.pollWarning.warn(`cannot read the revocation log (${this.readFailure}); checks ask the database once the replica is ${this.options.maxStalenessMs} ms stale`);
        waitMs = backoffWithJitter(this.failures, this.options.pollIntervalMs, Math.max(this.options.pollIntervalMs, this.options.reconnectMaxMs));
      }
      await this.pause(waitMs);
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const controller = new AbortController();
    this.wake = () => controller.abort();
    return sleep(ms, undefined, { signal: controller.signal, ref: false }).catch(() => undefined).finally(() => {
      this.wake = null;
    });
  }

  /**
   * Loads the whole log, page by page, each page a short statement of its
   * own (so that many instances starting together share the database
   * rather than hold it), then reads what was written since the snapshot
   * taken before the first page. Every row committed before that snapshot
   * lies in a block the table had when measured after it, so in some page,
   * unless a later write moved it; every later write is in that read. A
   * rewrite of a table while loading moves every row: the load starts again.
   */
  private async load(deadlineMs: number): Promise<void> {
    const startedAt = Date.now();
    this.replica.beginLoad();
    const snapshot = await withTimeout(this.log.snapshot(), deadlineMs, 'reading the revocation log');
    const extents = await withTimeout(this.log.extents(), deadlineMs, 'reading the revocation log');
    const nowMs = this.options.clock();
    const expiredSince = new Date(Math.floor(nowMs - this.options.toleranceMs));
    await this.loadPages(extents.denied, deadlineMs, async (blocks) => {
      for (const [id, expiresAtMs, userId] of await this.log.loadDenied(blocks, expiredSince)) this.replica.deny(id, expiresAtMs, userId);
    });
    const setSince = new Date(Math.floor(nowMs - this.options.watermarkLifetimeMs));
    await this.loadPages(extents.watermarks, deadlineMs, async (blocks) => {
      for (const [userId, revokedBeforeMs] of await this.log.loadWatermarks(blocks, setSince)) this.replica.raiseWatermark(userId, revokedBeforeMs);
    });
    const after = await withTimeout(this.log.extents(), deadlineMs, 'reading the revocation log');
    if (after.denied.file !== extents.denied.file || after.watermarks.file !== extents.watermarks.file) {
      throw new Error('the revocation tables were rewritten while loading (VACUUM FULL, CLUSTER); loading again');
    }
    if (this.stopped) return;
    this.position = snapshot;
    await withTimeout(this.read(), deadlineMs, 'reading the revocation log');
    this.replica.completeLoad();
    this.lastSyncedAt = Date.now();
    const note = this.replica.overflowed ? ' (over revocationReplica.maxEntries: tokens it does not hold are checked in the database)' : '';
    this.logger.log(`revocation replica in sync: ${this.replica.size} entries loaded in ${Date.now() - startedAt} ms${note}`);
  }

  /** Walks a table's blocks in pages of about `pageSize` rows, each page a statement of its own. */
  private async loadPages(extent: TableExtent, deadlineMs: number, loadPage: (blocks: BlockRange) => Promise<void>): Promise<void> {
    // Before the table's first ANALYZE the estimate is unknown: assume small blocks' worth, rather than one huge page.
    const rowsPerBlock = extent.rowsPerBlock > 0 ? extent.rowsPerBlock : UNKNOWN_ROWS_PER_BLOCK;
    const blocksPerPage = Math.max(1, Math.ceil(this.options.pageSize / rowsPerBlock));
    for (let from = 0; from < extent.blocks && !this.stopped; from += blocksPerPage) {
      await withTimeout(loadPage({ from, to: from + blocksPerPage }), deadlineMs, 'loading the revocation log');
    }
  }

  /**
   * Applies everything written since the last position, then proves the
   * replica fresh as of the read's snapshot: on a primary, the moment the
   * read began; on a standby, the moment the primary was at a write-ahead
   * log position the standby had replayed before the read.
   */
  private async read(): Promise<void> {
    const from = this.position!;
    const epoch = this.stallEpoch;
    const startedAt = performance.now();
    // A failed read lifts nothing: the fence stays until a read succeeds.
    await this.readFrom(from, startedAt);
    // Only a read that began after the last stall proves the replica caught up with it.
    if (this.fenced && epoch === this.stallEpoch) {
      this.fenced = false;
      this.replica.unfence();
    }
  }

  private async readFrom(from: string, startedAt: number): Promise<void> {
    const replayedAsOf = this.standby ? await this.standby.measure(this.log) : startedAt;
    let read: LogRead = {
      from, to: null, deniedAfter: null, watermarksAfter: null,
      expiredSince: new Date(Math.floor(this.options.clock() - this.options.toleranceMs)),
      limit: this.options.pageSize,
    };
    for (;;) {
      const changes = await this.log.readSince(read);
      for (const [id, expiresAtMs, userId] of changes.denied) this.replica.deny(id, expiresAtMs, userId);
      for (const [userId, revokedBeforeMs] of changes.watermarks) this.replica.raiseWatermark(userId, revokedBeforeMs);
      if (!changes.deniedCursor && !changes.watermarksCursor) {
        this.position = changes.snapshot;
        break;
      }
      read = { ...read, to: changes.snapshot, deniedAfter: changes.deniedCursor ?? END_OF_LOG, watermarksAfter: changes.watermarksCursor ?? END_OF_LOG };
    }
    this.lastReadAt = Date.now();
    if (replayedAsOf !== null) this.replica.freshAsOf(replayedAsOf + this.options.maxStalenessMs);
  }

  private announced(announcement: RevocationAnnouncement): void {
    switch (announcement.kind) {
      case 'denied':
        for (const [id, expiresAtMs, userId] of announcement.entries) this.replica.deny(id, expiresAtMs, userId ?? null);
        return;
      case 'watermark':
        this.replica.raiseWatermark(announcement.userId, announcement.revokedBeforeMs);
        return;
      case 'unreadable':
        // Whatever it said is in the log: read it now.
        this.logger.warn('unreadable revocation notification; reading the revocation log now');
        this.wake?.();
    }
  }

  /**
   * After a stall, "not revoked" waits for a read of the log that began
   * after it: notifications may be waiting unread behind requests, but
   * every revocation committed before the stall ended is in that read.
   */
  private afterStall(gapMs: number): void {
    if (this.position === null) return;
    this.stallEpoch++;
    if (!this.fenced) {
      this.fenced = true;
      this.replica.fence();
    }
    this.logger.warn(`event loop stalled for ${Math.round(gapMs)} ms: checking the database until the replica has caught up`);
    this.wake?.();
  }

  private sweep(): void {
    if (this.replica.removeExpired(this.options.clock()) && this.position !== null) {
      // Back under its bound: load it whole again.
      this.position = null;
      this.wake?.();
    }
  }
}
