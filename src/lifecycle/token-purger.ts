import { Inject, Injectable } from '@nestjs/common';
import { TokenEventPublisher } from '../events/token-event-publisher.js';
import { TokensPurgedEvent, TokenTrackingEvents } from '../events/token-tracking.events.js';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { publicCauseOf } from '../observability/public-cause.js';
import { SPAN } from '../observability/telemetry-names.js';
import { TokenTrackingTelemetry } from '../observability/token-tracking-telemetry.js';
import { DEFAULT_PURGE, ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { PurgeOutcome, TokenStore } from '../store/token-store.interface.js';

/** The last purge of this process, scheduled or called, for health checks. */
export interface PurgeRunReport {
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  /** Null while running, or when it failed. */
  readonly outcome: PurgeOutcome | null;
  /** Why it failed, in a few stable words (never an address or a driver's message: health answers show it). */
  readonly error: string | null;
}

/**
 * Deletes what can no longer matter: sessions and tokens whose last token
 * expired (after `purge.retentionSeconds`), deny-list entries whose tokens
 * can no longer be accepted, revoke-all watermarks older than any token they
 * cover. In bounded batches; one process at a time.
 */
@Injectable()
export class TokenPurger {
  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenStore) private readonly store: TokenStore,
    @Inject(TokenEventPublisher) private readonly events: TokenEventPublisher,
    @Inject(TokenTrackingTelemetry) private readonly telemetry: TokenTrackingTelemetry,
  ) {}

  private report: PurgeRunReport | null = null;

  /** The last run this process started, scheduled or called (null before the first). */
  get lastRun(): PurgeRunReport | null {
    return this.report;
  }

  async purgeExpired(): Promise<PurgeOutcome> {
    const startedAt = new Date();
    this.report = { startedAt, finishedAt: null, outcome: null, error: null };
    try {
      // A run skipped because another instance holds the purge is not a purge: say so in the metrics.
      const outcome = await this.telemetry.trace(SPAN.purge, {}, () => this.purge(), (result) => (result.status === 'skipped' ? 'skipped' : 'ok'));
      this.report = { startedAt, finishedAt: new Date(), outcome, error: null };
      return outcome;
    } catch (error) {
      this.report = { startedAt, finishedAt: new Date(), outcome: null, error: publicCauseOf(error) };
      throw error;
    }
  }

  private async purge(): Promise<PurgeOutcome> {
    // An explicit call works with the default settings when the schedule is off.
    const purge = this.options.purge ?? DEFAULT_PURGE;
    const startedAt = Date.now();
    const nowMs = this.options.clock();
    const acceptedFor = this.options.clockToleranceSeconds * 1000;
    const longestLifetime = Math.max(this.options.expiresInSeconds, this.options.refreshExpiresInSeconds) * 1000;
    const outcome = await this.store.purgeExpired({
      // Never before a token could still be accepted, whatever the retention.
      tokensExpiredBy: new Date(nowMs - Math.max(purge.retentionSeconds * 1000, acceptedFor)),
      // A revoked token stays refused for as long as the verifier would still accept it.
      revocationsExpiredBy: new Date(nowMs - acceptedFor),
      watermarksSetBy: new Date(nowMs - longestLifetime - acceptedFor),
      batchSize: purge.batchSize,
      maxDurationMs: purge.maxDurationSeconds * 1000,
    });
    if (outcome.status !== 'skipped') {
      this.events.publish(TokenTrackingEvents.PURGED, new TokensPurgedEvent(
        outcome.sessions, outcome.tokens, outcome.revocations, outcome.watermarks, outcome.status === 'done', Date.now() - startedAt,
      ));
    }
    return outcome;
  }
}
