import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { parseRevocationAnnouncement, RevocationAnnouncement, REVOCATION_CHANNEL } from '../store/revocation-announcements.js';
import { backoffWithJitter } from './backoff.js';

/** The part of a `pg` Client used here (`pg` is an optional peer dependency). */
export interface FeedClient {
  connect(): Promise<unknown>;
  query(query: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  removeAllListeners(): unknown;
}

export interface NotificationListenerOptions {
  readonly connectionString: string;
  /** How often a probe is sent, and how long it may take to arrive. */
  readonly probeIntervalMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
}

/**
 * The fast path of the revocation feed: one connection that LISTENs for
 * revocations, so that other instances' revocations apply within
 * milliseconds. It is never trusted blindly: a probe notification, sent
 * through the ordinary pool on a channel only this instance listens to,
 * must come back within the probe interval, at startup and then
 * continuously. Through a transaction-mode pooler (PgBouncer's
 * `pool_mode = transaction`, RDS Proxy, the pooled URLs of hosted
 * PostgreSQL) LISTEN registers on a server connection that is then lent to
 * someone else, and nothing ever arrives: the probe shows it, the listener
 * says so and stops claiming to listen. The feed's polling keeps the replica
 * correct either way; this only decides how fresh it is.
 */
export class NotificationListener {
  private readonly logger = new Logger('TokenTracking');
  private readonly probeChannel = `token_tracking_probe_${randomBytes(8).toString('hex')}`;
  private client: FeedClient | null = null;
  private probeTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private awaitedProbe: { payload: string; sentAt: number } | null = null;
  /** A probe has come back on the current connection. */
  private probeArrived = false;
  /** Connections in a row on which no probe ever arrived: one may be a slow start, two in a row are a pooler. */
  private connectionsWithoutProbe = 0;
  private failures = 0;
  private stopped = true;
  /** Notifications are confirmed to arrive (the last probe came back in time). */
  listening = false;
  /** Why notifications are not arriving, once a probe has shown it; null while they do. */
  failure: string | null = null;
  /** The last probe's round trip through the database, in ms. */
  lastProbeMs: number | null = null;

  constructor(
    private readonly options: NotificationListenerOptions,
    private readonly createClient: (connectionString: string) => Promise<FeedClient>,
    /** Sends a notification through the ordinary pool. */
    private readonly sendProbe: (channel: string, payload: string) => Promise<void>,
    private readonly onAnnouncement: (announcement: RevocationAnnouncement) => void,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.drop();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let client: FeedClient | null = null;
    try {
      client = await this.createClient(this.options.connectionString);
      const current = client;
      current.on('notification', (message) => this.received(current, message.channel, message.payload));
      current.on('error', (error) => this.lost(current, error?.message ?? 'connection error'));
      current.on('end', () => this.lost(current, 'connection ended'));
      await current.connect();
      await current.query(`LISTEN ${REVOCATION_CHANNEL}`);
      await current.query(`LISTEN ${this.probeChannel}`);
      if (this.stopped) {
        await current.end().catch(() => undefined);
        return;
      }
      this.client = current;
      this.probeArrived = false;
      this.probeTimer = setInterval(() => void this.probe(current), this.options.probeIntervalMs);
      this.probeTimer.unref();
      void this.probe(current);
    } catch (error) {
      client?.removeAllListeners();
      client?.on('error', () => undefined);
      await client?.end().catch(() => undefined);
      this.fail(`cannot LISTEN (${(error as Error)?.message ?? error})`);
      this.scheduleReconnect();
    }
  }

  /**
   * Sends one probe; a probe still awaited when the next is due has not
   * arrived within the interval. The connection is then dropped and made
   * again: the replica's data is not touched.
   */
  private async probe(client: FeedClient): Promise<void> {
    if (client !== this.client) return;
    if (this.awaitedProbe) {
      if (!this.probeArrived) this.connectionsWithoutProbe++;
      this.lost(client, this.connectionsWithoutProbe >= 2
        ? 'a probe notification sent through the pool never arrived on the LISTEN connection: revocationReplica.connectionString ' +
          'looks like a transaction-mode pooler (PgBouncer pool_mode=transaction, RDS Proxy, a hosted pooled URL), where LISTEN ' +
          'cannot work; give it a direct or session-mode connection string'
        : `a probe notification did not arrive within ${this.options.probeIntervalMs} ms`);
      return;
    }
    const payload = randomBytes(8).toString('hex');
    this.awaitedProbe = { payload, sentAt: performance.now() };
    try {
      await this.sendProbe(this.probeChannel, payload);
    } catch {
      // The pool is down: polling reports that; the listener waits for the next probe.
      this.awaitedProbe = null;
    }
  }

  private received(client: FeedClient, channel: string, payload: string | undefined): void {
    if (client !== this.client) return;
    if (channel === this.probeChannel) {
      const awaited = this.awaitedProbe;
      if (!awaited || payload !== awaited.payload) return;
      this.lastProbeMs = performance.now() - awaited.sentAt;
      this.awaitedProbe = null;
      this.probeArrived = true;
      this.connectionsWithoutProbe = 0;
      this.failures = 0;
      if (!this.listening && this.failure !== null) this.logger.log('revocation notifications arrive again');
      this.listening = true;
      this.failure = null;
      return;
    }
    if (channel === REVOCATION_CHANNEL) this.onAnnouncement(parseRevocationAnnouncement(payload));
  }

  private lost(client: FeedClient, reason: string): void {
    if (client !== this.client) return;
    this.fail(reason);
    void this.drop().then(() => this.scheduleReconnect());
  }

  private fail(reason: string): void {
    this.listening = false;
    this.failures++;
    if (this.failure !== reason) {
      this.logger.error(`revocation notifications are not arriving: ${reason}. Revocations by other instances reach this one by polling until they do`);
    }
    this.failure = reason;
  }

  private async drop(): Promise<void> {
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.awaitedProbe = null;
    this.listening = false;
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
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), backoffWithJitter(this.failures, this.options.reconnectMinMs, this.options.reconnectMaxMs));
    this.reconnectTimer.unref();
  }
}
