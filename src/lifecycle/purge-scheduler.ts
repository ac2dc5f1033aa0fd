import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { loadOptionalPeer } from '../runtime/optional-peer.js';
import { describeCause } from '../store/store-failure.js';
import { PurgeOutcome } from '../store/token-store.interface.js';
import type { PurgeRunReport } from './token-purger.js';
import { TokenPurger } from './token-purger.js';

/** Name of the interval in `@nestjs/schedule`'s SchedulerRegistry, when the application has one. */
export const PURGE_INTERVAL_NAME = 'token-tracking-purge';

/** The part of `@nestjs/schedule`'s SchedulerRegistry used here. */
interface IntervalRegistry {
  addInterval(name: string, interval: NodeJS.Timeout): void;
  deleteInterval(name: string): void;
  doesExist(type: 'interval', name: string): boolean;
}

/** The part of `@nestjs/schedule` used here. */
interface ScheduleModule {
  SchedulerRegistry: abstract new (...args: never[]) => IntervalRegistry;
}

export type { PurgeRunReport } from './token-purger.js';

/**
 * Runs a purge every `purge.intervalSeconds`. Starts when the application
 * has bootstrapped, stops before it shuts down. The interval is registered
 * in `@nestjs/schedule`'s SchedulerRegistry when the application imported
 * `ScheduleModule`, so it can be inspected or stopped there. A failing run is
 * logged and retried at the next tick; a run still going when the next tick
 * comes is not doubled.
 */
@Injectable()
export class PurgeScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TokenTracking');
  private interval: NodeJS.Timeout | undefined;
  private registry: IntervalRegistry | null = null;
  private running: Promise<void> | null = null;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenPurger) private readonly purger: TokenPurger,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {}

  /** The last run this process started, scheduled or called through `purgeExpired()` (null before the first). */
  get lastRun(): PurgeRunReport | null {
    return this.purger.lastRun;
  }

  async onApplicationBootstrap(): Promise<void> {
    const purge = this.options.purge;
    if (!purge) return;
    this.interval = setInterval(() => void this.tick(), purge.intervalSeconds * 1000);
    this.interval.unref();
    this.registry = await this.findRegistry();
    this.registry?.addInterval(PURGE_INTERVAL_NAME, this.interval);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.registry?.doesExist('interval', PURGE_INTERVAL_NAME)) this.registry.deleteInterval(PURGE_INTERVAL_NAME);
    clearInterval(this.interval);
    this.interval = undefined;
    await this.running;
  }

  /** One scheduled run; never rejects. */
  tick(): Promise<void> {
    this.running ??= (async () => {
      try {
        this.describe(await this.purger.purgeExpired());
      } catch (error) {
        // The detail, with the database's address, is for the log only; health shows a stable cause.
        const reason = describeCause(error instanceof Error && error.cause ? error.cause : error);
        this.logger.error(`purge failed, retrying at the next run: ${reason}`);
      }
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private describe(outcome: PurgeOutcome): void {
    if (outcome.status === 'skipped') {
      this.logger.debug('purge skipped: another instance is purging');
    } else if (outcome.sessions + outcome.tokens + outcome.revocations + outcome.watermarks > 0) {
      this.logger.log(
        `purged ${outcome.sessions} session(s), ${outcome.tokens} token(s), ${outcome.revocations} revocation(s), ${outcome.watermarks} watermark(s)` +
          (outcome.status === 'time-limit' ? ' (time limit reached; the next run continues)' : ''),
      );
    }
  }

  private async findRegistry(): Promise<IntervalRegistry | null> {
    const schedule = await loadOptionalPeer<ScheduleModule>('@nestjs/schedule');
    if (!schedule) return null;
    try {
      return this.moduleRef.get(schedule.SchedulerRegistry, { strict: false });
    } catch {
      return null;
    }
  }
}
