import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { ResolvedTokenTrackingOptions } from '../resolved-options.js';
import { TokenTrackingService } from '../token-tracking.service.js';

/** Name of the interval in `@nestjs/schedule`'s SchedulerRegistry, when the application has one. */
export const PURGE_INTERVAL_NAME = 'token-tracking-purge';

/** The part of `@nestjs/schedule`'s SchedulerRegistry used here. */
interface IntervalRegistry {
  addInterval(name: string, interval: NodeJS.Timeout): void;
  deleteInterval(name: string): void;
  doesExist(type: 'interval', name: string): boolean;
}

/**
 * Runs `purgeExpired()` every `purge.intervalSeconds`. Starts when the
 * application has bootstrapped, stops before it shuts down. The interval is
 * registered in `@nestjs/schedule`'s SchedulerRegistry when the application
 * imported `ScheduleModule`, so it can be inspected or stopped there. A
 * failing run is logged and retried at the next tick; a run that is still
 * going when the next tick comes is not doubled.
 */
@Injectable()
export class PurgeScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TokenTracking');
  private interval: NodeJS.Timeout | undefined;
  private registry: IntervalRegistry | null = null;
  private running: Promise<void> | null = null;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenTrackingService) private readonly tokens: TokenTrackingService,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {}

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
    this.running ??= this.tokens
      .purgeExpired()
      .then((outcome) => {
        if (outcome.status === 'skipped') {
          this.logger.debug('purge skipped: another instance is purging');
        } else if (outcome.tokens + outcome.revocations + outcome.watermarks > 0) {
          this.logger.log(
            `purged ${outcome.tokens} token(s), ${outcome.revocations} revocation(s), ${outcome.watermarks} watermark(s)` +
              (outcome.status === 'time-limit' ? ' (time limit reached; the next run continues)' : ''),
          );
        }
      })
      .catch((error: unknown) => {
        this.logger.error(`purge failed, retrying at the next run: ${(error as Error)?.message ?? String(error)}`);
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async findRegistry(): Promise<IntervalRegistry | null> {
    try {
      const { SchedulerRegistry } = await import('@nestjs/schedule');
      return this.moduleRef.get(SchedulerRegistry, { strict: false });
    } catch {
      return null;
    }
  }
}
