import { Logger } from '@nestjs/common';
import { RevocationCache } from './revocation-cache.js';
import { parseInvalidation, REVOCATION_CHANNEL } from './revocation-channel.js';

/** The part of a `pg` Client used here (`pg` is an optional peer dependency). */
interface ListeningClient {
  connect(): Promise<unknown>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  removeAllListeners(): unknown;
}

export interface RevocationListenerOptions {
  connectionString: string;
  heartbeatMs: number;
  /** A heartbeat that takes longer than this counts as a lost connection. */
  heartbeatTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

/**
 * Keeps one PostgreSQL connection LISTENing for revocations and feeds them
 * to the cache. The cache serves verdicts only while this connection is up:
 * when it errors, ends, or misses a heartbeat the cache is emptied and
 * disabled (every check goes to the database), and after reconnecting and
 * LISTENing again it starts serving from empty. Reconnects with backoff,
 * forever, until stopped; never throws into the application.
 */
export class RevocationListener {
  private readonly logger = new Logger('TokenTracking');
  private client: ListeningClient | null = null;
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private stopped = false;

  constructor(
    private readonly cache: RevocationCache,
    private readonly options: RevocationListenerOptions,
    private readonly createClient: (connectionString: string) => Promise<ListeningClient>,
  ) {
    this.backoffMs = options.reconnectMinMs;
  }

  /** Starts connecting; resolves once the first attempt has finished (connected or not). */
  start(): Promise<void> {
    this.stopped = false;
    return this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnect);
    await this.dropClient();
    this.cache.desynchronize();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let client: ListeningClient | null = null;
    try {
      client = await this.createClient(this.options.connectionString);
      client.on('notification', (message) => {
        if (message.channel === REVOCATION_CHANNEL) this.cache.invalidate(parseInvalidation(message.payload));
      });
      client.on('error', (error) => this.lost(client!, error));
      client.on('end', () => this.lost(client!));
      await client.connect();
      await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
      if (this.stopped) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      // Revocations made while disconnected were not heard: start empty.
      this.cache.synchronize();
      this.backoffMs = this.options.reconnectMinMs;
      this.heartbeat = setInterval(() => void this.beat(client!), this.options.heartbeatMs);
      this.heartbeat.unref();
    } catch (error) {
      client?.removeAllListeners();
      await client?.end().catch(() => undefined);
      this.logger.warn(`revocation notifications unavailable (${(error as Error)?.message ?? error}); checking the database on every request until they are back`);
      this.scheduleReconnect();
    }
  }

  private async beat(client: ListeningClient): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('heartbeat timed out')), this.options.heartbeatTimeoutMs);
        }),
      ]);
    } catch (error) {
      this.lost(client, error as Error);
    } finally {
      clearTimeout(timer);
    }
  }

  private lost(client: ListeningClient, error?: Error): void {
    if (client !== this.client) return;
    this.cache.desynchronize();
    this.logger.warn(`revocation notification connection lost${error ? ` (${error.message})` : ''}; reconnecting`);
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
