import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable.error.js';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { ResolvedTokenTrackingOptions } from '../resolved-options.js';
import { TokenIdentity, TokenStore } from '../store/token-store.interface.js';
import { Invalidation, RevocationCache } from './revocation-cache.js';
import { RevocationListener } from './revocation-listener.js';

/** `application_name` of the LISTEN connection, to find it in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'token-tracking-listener';

/** How often, at most, the accept-signed policy logs that it is in use. */
const DEGRADED_LOG_INTERVAL_MS = 30_000;

/**
 * The revocation check of every request. With `revocationCache` configured,
 * a token checked recently is answered from memory while the notification
 * connection is up; otherwise (and on every miss) the database is asked.
 * This instance's own revocations invalidate its cache at once; other
 * instances' arrive by NOTIFY.
 */
@Injectable()
export class RevocationChecker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('TokenTracking');
  private readonly cache: RevocationCache | null;
  private readonly listener: RevocationListener | null;
  private lastDegradedLog = 0;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenStore) private readonly store: TokenStore,
  ) {
    const settings = options.revocationCache;
    this.cache = settings ? new RevocationCache(settings.maxEntries, settings.maxAgeMs, Date.now) : null;
    this.listener = settings && this.cache
      ? new RevocationListener(this.cache, {
          connectionString: settings.connectionString,
          heartbeatMs: settings.heartbeatMs,
          heartbeatTimeoutMs: settings.heartbeatMs,
          reconnectMinMs: 100,
          reconnectMaxMs: 5_000,
        }, createPgClient)
      : null;
  }

  /** True while verdicts may be served from memory (for health checks and tests). */
  get cacheSynced(): boolean {
    return this.cache?.isSynced ?? false;
  }

  async onModuleInit(): Promise<void> {
    await this.listener?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener?.stop();
  }

  async isRevoked(token: TokenIdentity): Promise<boolean> {
    const cached = this.cache?.lookup(token);
    if (cached !== undefined) return cached;
    const startedAt = this.cache?.begin() ?? 0;
    let revoked: boolean;
    try {
      revoked = await this.store.isRevoked(token);
    } catch (error) {
      if (error instanceof TokenStoreUnavailableError && this.options.whenStoreUnavailable === 'accept-signed') {
        this.logDegraded(error);
        return false;
      }
      throw error;
    }
    this.cache?.remember(token, revoked, startedAt);
    return revoked;
  }

  /** Forgets what a revocation made by this instance may have made stale. */
  invalidate(target: Invalidation): void {
    this.cache?.invalidate(target);
  }

  private logDegraded(error: Error): void {
    const now = Date.now();
    if (now - this.lastDegradedLog < DEGRADED_LOG_INTERVAL_MS) return;
    this.lastDegradedLog = now;
    this.logger.warn(`revocation checks skipped (whenStoreUnavailable: 'accept-signed'): ${error.cause instanceof Error ? error.cause.message : error.message}`);
  }
}

async function createPgClient(connectionString: string) {
  const { default: pg } = await import('pg');
  return new pg.Client({ connectionString, connectionTimeoutMillis: 5_000, keepAlive: true, application_name: LISTENER_APPLICATION_NAME });
}
