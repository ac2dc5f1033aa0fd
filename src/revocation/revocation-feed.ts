import { Logger } from '@nestjs/common';
import { withTimeout } from '../runtime/with-timeout.js';
import { parseRevocationAnnouncement, REVOCATION_CHANNEL } from '../store/revocation-announcements.js';
import { EventLoopStallWatch } from './event-loop-stall-watch.js';
import { RevocationReplica } from './revocation-replica.js';

/** An event loop stalled longer than this may have left notifications unread behind requests. */
export const STALL_THRESHOLD_MS = 250;

/** The part of a `pg` Client used here (`pg` is an optional peer dependency). */
export interface FeedClient {
  connect(): Promise<unknown>;
  query(query: string | { text: string; rowMode: 'array' }): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  removeAllListeners(): unknown;
}

export interface RevocationFeedOptions {
  readonly connectionString: string;
  readonly heartbeatMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  /** Deny-list entries whose tokens expired longer ago than this are not loaded. */
  readonly toleranceMs: number;
  /** Watermarks set longer ago than this are not loaded. */
  readonly watermarkLifetimeMs: number;
  /** Rows per FETCH while loading. */
  readonly fetchSize: number;
  /** How often expired entries are dropped. */
  readonly sweepMs: number;
  readonly clock: () => number;
}

/**
 * Keeps a `RevocationReplica` equal to the database: one connection that
 * LISTENs for revocations, loads a snapshot after LISTEN has taken effect
 * (so a revocation committed while loading arrives as a notification, if
 * the snapshot missed it), and applies every notification as it comes. The
 * replica answers only while this connection is known to be up: when it
 * errors, ends or misses a heartbeat, the replica stops answering; after
 * reconnecting, it is reloaded from scratch. Reconnects with backoff,
 * forever, until stopped; never throws into the application.
 */
export class RevocationFeed {
  private readonly logger = new Logger('TokenTracking');
  private client: FeedClient | null = null;
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private loading: Promise<void> | null = null;
  private backoffMs: number;
  private stopped = false;
  /** When the replica last became synced (epoch ms); for health checks. */
  lastSyncedAt: number | null = null;
  private readonly stalls = new EventLoopStallWatch(STALL_THRESHOLD_MS, (gapMs) => void this.catchUpAfterStall(gapMs));

  constructor(
    private readonly replica: RevocationReplica,
    private readonly options: RevocationFeedOptions,
    private readonly createClient: (connectionString: string) => Promise<FeedClient>,
  ) {
    this.backoffMs = options.reconnectMinMs;
  }

  get connected(): boolean {
    return this.client !== null;
  }

  /** The event loop has not turned for longer than `STALL_THRESHOLD_MS`. */
  get stalled(): boolean {
    return this.stalls.stalled;
  }

  /** Event-loop stalls noticed since start (each sent checks to the database for a moment). */
  get stallCount(): number {
    return this.stalls.count;
  }

  /** Connects and loads; resolves once the first attempt has finished (synced or not). */
  async start(): Promise<void> {
    this.stopped = false;
    this.sweeper = setInterval(() => this.sweep(), this.options.sweepMs);
    this.sweeper.unref();
    this.stalls.start();
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnect);
    clearInterval(this.sweeper);
    this.stalls.stop();
    await this.dropClient();
    this.replica.desynchronize();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let client: FeedClient | null = null;
    try {
      client = await this.createClient(this.options.connectionString);
      const current = client;
      current.on('notification', (message) => this.apply(current, message.channel, message.payload));
      current.on('error', (error) => this.lost(current, error));
      current.on('end', () => this.lost(current));
      await current.connect();
      await current.query(`LISTEN ${REVOCATION_CHANNEL}`);
      if (this.stopped) {
        await current.end().catch(() => undefined);
        return;
      }
      this.client = current;
      await this.reload(current);
      this.backoffMs = this.options.reconnectMinMs;
      this.heartbeat = setInterval(() => void this.beat(current), this.options.heartbeatMs);
      this.heartbeat.unref();
    } catch (error) {
      if (client && client === this.client) {
        this.lost(client, error as Error);
        return;
      }
      client?.removeAllListeners();
      client?.on('error', () => undefined);
      await client?.end().catch(() => undefined);
      this.logger.warn(`revocation replica unavailable (${(error as Error)?.message ?? error}); checking the database for every token until it is back`);
      this.scheduleReconnect();
    }
  }

  /**
   * Loads the snapshot on the listening connection. The listening session
   * holds back notifications until the snapshot's transaction ends and then
   * delivers them, before COMMIT answers: by the time the replica is marked
   * synced, it holds the snapshot and everything committed since.
   */
  private reload(client: FeedClient): Promise<void> {
    this.loading ??= (async () => {
      const startedAt = Date.now();
      this.replica.beginLoad();
      const nowMs = this.options.clock();
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const deniedSince = Math.floor(nowMs - this.options.toleranceMs);
        await client.query(`DECLARE token_tracking_denied NO SCROLL CURSOR FOR
          SELECT id, floor(extract(epoch FROM expires_at) * 1000)::float8, CASE WHEN kind = 'token' THEN user_id END
            FROM revoked_tokens
           WHERE expires_at > to_timestamp(${deniedSince} / 1000.0)`);
        await this.drain(client, 'token_tracking_denied', ([id, expiresAtMs, userId]) =>
          this.replica.deny(id as string, expiresAtMs as number, userId as string | null));
        const watermarksSince = Math.floor(nowMs - this.options.watermarkLifetimeMs);
        await client.query(`DECLARE token_tracking_watermarks NO SCROLL CURSOR FOR
          SELECT user_id, floor(extract(epoch FROM revoked_before) * 1000)::float8 FROM user_token_watermarks
           WHERE revoked_before > to_timestamp(${watermarksSince} / 1000.0)`);
        await this.drain(client, 'token_tracking_watermarks', ([userId, atMs]) => this.replica.raiseWatermark(userId as string, atMs as number));
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      if (client !== this.client) return;
      this.replica.completeLoad();
      this.lastSyncedAt = Date.now();
      const note = this.replica.overflowed ? ' (over revocationReplica.maxEntries: tokens it does not hold are checked in the database)' : '';
      this.logger.log(`revocation replica in sync: ${this.replica.size} entries loaded in ${Date.now() - startedAt} ms${note}`);
    })().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async drain(client: FeedClient, cursor: string, apply: (row: unknown[]) => void): Promise<void> {
    for (;;) {
      const { rows } = await client.query({ text: `FETCH ${this.options.fetchSize} FROM ${cursor}`, rowMode: 'array' });
      for (const row of rows as unknown[][]) apply(row);
      if (rows.length < this.options.fetchSize) return;
    }
  }

  private apply(client: FeedClient, channel: string, payload: string | undefined): void {
    if (channel !== REVOCATION_CHANNEL || client !== this.client) return;
    const announcement = parseRevocationAnnouncement(payload);
    switch (announcement.kind) {
      case 'denied':
        for (const [id, expiresAtMs, userId] of announcement.entries) this.replica.deny(id, expiresAtMs, userId);
        return;
      case 'watermark':
        this.replica.raiseWatermark(announcement.userId, announcement.revokedBeforeMs);
        return;
      case 'unreadable':
        // Whatever it said is unknown: start again from the database.
        this.logger.warn('unreadable revocation notification; reloading the revocation replica');
        this.replica.desynchronize();
        void this.reload(client).catch((error: Error) => this.lost(client, error));
    }
  }

  private sweep(): void {
    if (this.replica.removeExpired(this.options.clock()) && this.client && !this.loading) {
      const client = this.client;
      void this.reload(client).catch((error: Error) => this.lost(client, error));
    }
  }

  /**
   * After a stall, "not revoked" waits for one round trip on the listening
   * connection: PostgreSQL sends a notification before the answer to any
   * query issued after it, so once `SELECT 1` answers, every notification
   * that was waiting has been applied.
   */
  private async catchUpAfterStall(gapMs: number): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.replica.fence();
    this.logger.warn(`event loop stalled for ${Math.round(gapMs)} ms: checking the database until the replica has caught up`);
    try {
      await client.query('SELECT 1');
    } catch (error) {
      this.lost(client, error as Error);
    } finally {
      this.replica.unfence();
    }
  }

  private async beat(client: FeedClient): Promise<void> {
    // A load holds the connection; its progress is proof enough of life.
    if (this.loading) return;
    try {
      await withTimeout(client.query('SELECT 1'), this.options.heartbeatMs, 'heartbeat');
    } catch (error) {
      this.lost(client, error as Error);
    }
  }

  private lost(client: FeedClient, error?: Error): void {
    if (client !== this.client) return;
    this.replica.desynchronize();
    this.logger.warn(`revocation replica connection lost${error ? ` (${error.message})` : ''}; checking the database for every token until it is back`);
    void this.dropClient().then(() => this.scheduleReconnect());
  }

  private async dropClient(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const client = this.client;
    this.client = null;
    if (!client) return;
    client.removeAllListeners();
    // A dead connection may still emit; swallow it rather than crash.
    client.on('error', () => undefined);
    await client.end().catch(() => undefined);
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.reconnect);
    this.reconnect = setTimeout(() => void this.connect(), this.backoffMs);
    this.reconnect.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.reconnectMaxMs);
  }
}
