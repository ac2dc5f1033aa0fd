import { Inject, Injectable, Logger } from '@nestjs/common';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { PurgeScheduler } from '../lifecycle/purge-scheduler.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { RevocationChecker } from '../revocation/revocation-checker.js';
import { TimedOutError, withTimeout } from '../runtime/with-timeout.js';
import { describeCause, sqlStateOf } from '../store/store-failure.js';
import { TokenStore } from '../store/token-store.interface.js';

/** What the indicator reports under its key, in the shape `@nestjs/terminus` reads. */
export interface TokenTrackingHealth {
  status: 'up' | 'down';
  store: { reachable: boolean; latencyMs: number | null; error?: string };
  /** A verify-only instance reading a JWKS URL: whether the last fetch worked (null: none has finished yet, counted as down). */
  keys: { remote: boolean; available: boolean | null; error?: string };
  replica: {
    enabled: boolean;
    /** Answering from memory: loaded and proved fresh within `maxStalenessMs`. */
    synced: boolean;
    /** Loaded, but the revocation log could not be read for longer than `maxStalenessMs`: checks ask the database. */
    stale: boolean;
    /** LISTEN notifications confirmed to arrive (a probe came back). */
    connected: boolean;
    /** `arriving`, `not-arriving` (LISTEN is configured but a probe showed nothing arrives: see the log), or `off` (polling only). */
    notifications: 'arriving' | 'not-arriving' | 'off';
    /** Reading a hot standby: how far behind the primary it was at the last read. */
    standbyLagMs: number | null;
    entries: number;
    lastSyncedAt: string | null;
    lastReadAt: string | null;
  };
  purge: {
    scheduled: boolean;
    lastStartedAt: string | null;
    lastFinishedAt: string | null;
    /** `done`, `time-limit` (the next run continues), `skipped` (another instance purged), `failed`, or `running`. */
    lastOutcome: string | null;
    lastError?: string;
  };
}

/**
 * A health indicator for `@nestjs/terminus` (or any health endpoint): down
 * when tokens cannot be checked — the database does not answer, the JWKS
 * of a verify-only instance could not be fetched, or the replica is out of
 * sync while told to refuse requests then — and up
 * otherwise, with the replica's state and the last purge in the details.
 * A failed purge is reported, not counted as down: restarting the instance
 * would not help it.
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.tokenTracking.isHealthy()]); }
 * ```
 */
@Injectable()
export class TokenTrackingHealthIndicator {
  private readonly logger = new Logger('TokenTracking');
  private lastLoggedFailure: string | null = null;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenStore) private readonly store: TokenStore,
    @Inject(RevocationChecker) private readonly revocations: RevocationChecker,
    @Inject(PurgeScheduler) private readonly purges: PurgeScheduler,
  ) {}

  async isHealthy(key = 'token_tracking', timeoutMs = 2_000): Promise<Record<string, TokenTrackingHealth>> {
    const [store] = await Promise.all([this.pingStore(timeoutMs), this.probeKeys(timeoutMs)]);
    const replica = this.revocations.status;
    const refusesWhenUnsynced = this.options.revocationReplica?.whenUnsynced === 'reject';
    const remoteKeys = this.options.keys.remoteStatus;
    const down = !store.reachable || (remoteKeys !== null && remoteKeys.available !== true) ||
      (replica.enabled && refusesWhenUnsynced && !replica.synced && !replica.overflowed);
    const last = this.purges.lastRun;
    return {
      [key]: {
        status: down ? 'down' : 'up',
        store,
        keys: {
          remote: remoteKeys !== null,
          available: remoteKeys === null ? true : remoteKeys.available,
          ...(remoteKeys?.lastError ? { error: remoteKeys.lastError } : {}),
        },
        replica: {
          enabled: replica.enabled,
          synced: replica.synced,
          stale: replica.stale,
          connected: replica.connected,
          notifications: !this.options.revocationReplica?.connectionString ? 'off' : replica.listenFailure === null ? 'arriving' : 'not-arriving',
          standbyLagMs: replica.standbyLagMs === null ? null : Math.round(replica.standbyLagMs),
          entries: replica.entries,
          lastSyncedAt: replica.lastSyncedAt?.toISOString() ?? null,
          lastReadAt: replica.lastReadAt?.toISOString() ?? null,
        },
        purge: {
          scheduled: this.options.purge !== null,
          lastStartedAt: last?.startedAt.toISOString() ?? null,
          lastFinishedAt: last?.finishedAt?.toISOString() ?? null,
          lastOutcome: last === null ? null : last.error !== null ? 'failed' : (last.outcome?.status ?? 'running'),
          ...(last?.error ? { lastError: last.error } : {}),
        },
      },
    };
  }

  /**
   * A verify-only instance with no traffic yet has never fetched its JWKS:
   * try now, so that readiness is not "up" while every request would be 503.
   * Also while the last attempt failed, so that readiness sees the recovery.
   */
  private async probeKeys(timeoutMs: number): Promise<void> {
    const status = this.options.keys.remoteStatus;
    if (status === null || status.available === true) return;
    // Past the timeout the status stays as it was, which counts as down.
    await withTimeout(this.options.keys.probeRemote(), timeoutMs, 'fetching the key set').catch(() => undefined);
  }

  private async pingStore(timeoutMs: number): Promise<TokenTrackingHealth['store']> {
    if (!this.store.ping) return { reachable: true, latencyMs: null };
    const started = performance.now();
    try {
      await withTimeout(this.store.ping(), timeoutMs, 'the database');
      this.lastLoggedFailure = null;
      return { reachable: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (error) {
      // The health route is often public: say what failed, not where the database is (that goes to the log).
      const cause = error instanceof Error && error.cause ? error.cause : error;
      const detail = describeCause(cause);
      if (detail !== this.lastLoggedFailure) this.logger.warn(`health check: the database did not answer: ${detail}`);
      this.lastLoggedFailure = detail;
      const sqlState = sqlStateOf(cause);
      const summary = error instanceof TimedOutError
        ? error.message
        : `the database did not answer${sqlState ? ` (SQLSTATE ${sqlState})` : ''}; the cause is in the server log`;
      return { reachable: false, latencyMs: null, error: summary };
    }
  }
}
