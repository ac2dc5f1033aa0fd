import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable.error.js';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { ThrottledWarning } from '../observability/throttled-warning.js';
import { ResolvedRevocationReplica, ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { loadOptionalPeer } from '../runtime/optional-peer.js';
import { TokenIdentity, TokenStore } from '../store/token-store.interface.js';
import { FeedClient } from './notification-listener.js';
import { PrismaRevocationLog } from './prisma-revocation-log.js';
import { RevocationFeed } from './revocation-feed.js';
import { StandbyFreshness } from './standby-freshness.js';
import { RevocationReplica } from './revocation-replica.js';

/** `application_name` of the replica's connection, to find it in pg_stat_activity. */
export const REPLICA_APPLICATION_NAME = 'token-tracking-replica';

/** How often, at most, the accept-signed policy logs that it is in use. */
const DEGRADED_LOG_INTERVAL_MS = 30_000;

/** The replica's state, for health checks and metrics. */
export interface ReplicaStatus {
  readonly enabled: boolean;
  /** Answering every check from memory. */
  readonly synced: boolean;
  /** Over `maxEntries`: answering from memory only for what it holds. */
  readonly overflowed: boolean;
  /** Loaded, but its last proof of freshness is older than `maxStalenessMs`: checks ask the database. */
  readonly stale: boolean;
  /** LISTEN is configured and notifications are confirmed to arrive (by a probe through the pool). */
  readonly connected: boolean;
  /** Why notifications do not arrive, when LISTEN is configured and they do not; null otherwise. */
  readonly listenFailure: string | null;
  /** Why the revocation log cannot be read, while it cannot; null otherwise. */
  readonly readFailure: string | null;
  /** With `readFrom`: how far behind the primary the standby was at the last read, in ms. */
  readonly standbyLagMs: number | null;
  readonly entries: number;
  readonly bytes: number;
  readonly lastSyncedAt: Date | null;
  /** When the revocation log was last read. */
  readonly lastReadAt: Date | null;
  /** Event-loop stalls over 250 ms noticed since start: after each, checks asked the database until the replica caught up. */
  readonly stalls: number;
}

/**
 * The revocation check of every request. With `revocationReplica`, a token
 * is checked against this instance's in-memory copy of the revocation state
 * while that copy is in sync; otherwise (and for what an overflowed replica
 * does not hold) the database is asked. This instance's own revocations are
 * applied to its replica before the revoking call returns; other instances'
 * arrive by NOTIFY.
 */
@Injectable()
export class RevocationChecker implements OnModuleInit, OnApplicationShutdown {
  private readonly replica: RevocationReplica | null;
  private readonly feed: RevocationFeed | null;
  /** How long a locally applied revocation is kept when its token's expiry is not known here. */
  private readonly longestLifetimeMs: number;
  private readonly degradedWarning = new ThrottledWarning(DEGRADED_LOG_INTERVAL_MS);
  private checkObserver: ((durationMs: number, source: 'replica' | 'database') => void) | null = null;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenStore) private readonly store: TokenStore,
  ) {
    const toleranceMs = options.clockToleranceSeconds * 1000;
    this.longestLifetimeMs = Math.max(options.expiresInSeconds, options.refreshExpiresInSeconds) * 1000 + toleranceMs;
    const settings = options.revocationReplica;
    this.replica = settings ? new RevocationReplica(settings.maxEntries, this.longestLifetimeMs, toleranceMs, () => this.feed?.stalled ?? false) : null;
    this.feed = settings && this.replica ? this.createFeed(settings, this.replica, toleranceMs) : null;
  }

  private createFeed(settings: ResolvedRevocationReplica, replica: RevocationReplica, toleranceMs: number): RevocationFeed {
    const primaryLog = this.store.revocationLog?.();
    if (!primaryLog) {
      throw new TokenTrackingConfigurationError('revocationReplica needs a store that can read the revocation log (the Prisma store can; a custom store must implement revocationLog())');
    }
    const standby = settings.readFrom ? new PrismaRevocationLog(settings.readFrom) : null;
    return new RevocationFeed(replica, standby ?? primaryLog, standby ? new StandbyFreshness(primaryLog) : null, {
      pollIntervalMs: settings.pollIntervalMs,
      maxStalenessMs: settings.maxStalenessMs,
      listen: settings.connectionString ? { connectionString: settings.connectionString, probeIntervalMs: settings.heartbeatMs } : null,
      reconnectMinMs: 200,
      reconnectMaxMs: 10_000,
      toleranceMs,
      watermarkLifetimeMs: this.longestLifetimeMs,
      pageSize: 20_000,
      sweepMs: 60_000,
      clock: this.options.clock,
    }, createPgClient);
  }

  get status(): ReplicaStatus {
    return {
      enabled: this.replica !== null,
      synced: this.replica?.synced ?? false,
      overflowed: this.replica?.overflowed ?? false,
      stale: this.replica?.stale ?? false,
      connected: this.feed?.listening ?? false,
      listenFailure: this.feed?.listenFailure ?? null,
      readFailure: this.feed?.readFailure ?? null,
      standbyLagMs: this.feed?.standbyLagMs ?? null,
      entries: this.replica?.size ?? 0,
      bytes: this.replica?.byteLength ?? 0,
      lastSyncedAt: this.feed?.lastSyncedAt ? new Date(this.feed.lastSyncedAt) : null,
      lastReadAt: this.feed?.lastReadAt ? new Date(this.feed.lastReadAt) : null,
      stalls: this.feed?.stallCount ?? 0,
    };
  }

  /** Starts the replica's feed without waiting for its first load: the application serves meanwhile. */
  onModuleInit(): void {
    this.feed?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.feed?.stop();
  }

  /** Called with the duration and source of every check (the library's metrics). */
  onCheck(observer: (durationMs: number, source: 'replica' | 'database') => void): void {
    this.checkObserver = observer;
  }

  async isRevoked(token: TokenIdentity): Promise<boolean> {
    return this.isRevokedNow(token);
  }

  /**
   * `isRevoked` answering at once (a boolean, or a synchronous throw) when
   * the replica can answer; a Promise only when the database is asked.
   */
  isRevokedNow(token: TokenIdentity): boolean | Promise<boolean> {
    const started = this.checkObserver ? performance.now() : 0;
    const replica = this.replica;
    if (replica) {
      const verdict = replica.check(token);
      if (verdict !== undefined) {
        this.checkObserver?.(performance.now() - started, 'replica');
        return verdict;
      }
      // Out of sync or stale (not merely over its bound, nor catching up after a stall) and told to fail closed.
      if (!replica.synced && !replica.overflowed && this.options.revocationReplica?.whenUnsynced === 'reject') {
        throw new TokenStoreUnavailableError();
      }
    }
    return this.askStore(token, started);
  }

  private async askStore(token: TokenIdentity, started: number): Promise<boolean> {
    try {
      const revoked = await this.store.isRevoked(token);
      this.checkObserver?.(performance.now() - started, 'database');
      return revoked;
    } catch (error) {
      if (error instanceof TokenStoreUnavailableError && this.options.whenStoreUnavailable === 'accept-signed') {
        this.logDegraded(error);
        return false;
      }
      throw error;
    }
  }

  /** Sessions this instance revoked: refused here at once, before their notification comes back. */
  sessionsRevoked(sessionIds: readonly string[]): void {
    const until = this.options.clock() + this.longestLifetimeMs;
    for (const sessionId of sessionIds) this.replica?.deny(sessionId, until);
  }

  /** An untracked token this instance deny-listed (of that user only, when known). */
  tokenDenied(jti: string, expiresAt: Date, userId: string | null): void {
    this.replica?.deny(jti, expiresAt.getTime(), userId);
  }

  /** A revoke-all this instance made. */
  watermarkRaised(userId: string, revokedBefore: Date): void {
    this.replica?.raiseWatermark(userId, revokedBefore.getTime());
  }

  private logDegraded(error: TokenStoreUnavailableError): void {
    const cause = error.cause instanceof Error ? error.cause.message : error.message;
    this.degradedWarning.warn(`revocation checks skipped (whenStoreUnavailable: 'accept-signed'): ${cause}`);
  }
}

interface PgModule {
  default?: { Client: new (config: object) => FeedClient };
  Client?: new (config: object) => FeedClient;
}

async function createPgClient(connectionString: string): Promise<FeedClient> {
  const pg = await loadOptionalPeer<PgModule>('pg');
  const Client = pg?.Client ?? pg?.default?.Client;
  if (!Client) throw new Error('revocationReplica needs the `pg` package: npm install pg');
  return new Client({ connectionString, connectionTimeoutMillis: 5_000, keepAlive: true, application_name: REPLICA_APPLICATION_NAME });
}
