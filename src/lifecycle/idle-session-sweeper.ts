import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { TokenEventPublisher } from '../events/token-event-publisher.js';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { RevocationChecker } from '../revocation/revocation-checker.js';
import { revocationStamp } from '../revocation/revocation-stamp.js';
import { describeCause } from '../store/store-failure.js';
import { TokenStore } from '../store/token-store.interface.js';
import { announceIdleRevocations, IDLE_REVOCATION_REASON } from './idle-revocations.js';

const BATCH_SIZE = 1_000;

/** How often idle sessions are looked for: a tenth of the timeout, between 5 s and 60 s. */
export function idleSweepIntervalMs(idleTimeoutSeconds: number): number {
  return Math.min(60_000, Math.max(5_000, idleTimeoutSeconds * 100));
}

/**
 * With `sessionIdleTimeout`, revokes sessions that saw no login, refresh or
 * recorded request for longer than the timeout, so that their access tokens
 * are refused like any revoked token (a refresh of an idle session is
 * refused at once, without waiting for this). Every instance sweeps; the
 * revocation skips rows another sweep holds, so none is revoked twice.
 */
@Injectable()
export class IdleSessionSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TokenTracking');
  private interval: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenStore) private readonly store: TokenStore,
    @Inject(RevocationChecker) private readonly revocations: RevocationChecker,
    @Inject(TokenEventPublisher) private readonly events: TokenEventPublisher,
  ) {}

  onApplicationBootstrap(): void {
    const idle = this.options.sessionIdleTimeoutSeconds;
    if (idle === null) return;
    this.interval = setInterval(() => void this.sweep(), idleSweepIntervalMs(idle));
    this.interval.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.interval);
    await this.running;
  }

  /** One sweep; never rejects. Returns how many sessions it ended. */
  sweep(): Promise<void> {
    this.running ??= this.revokeIdle()
      .catch((error: unknown) => this.logger.error(`idle-session sweep failed, retrying at the next one: ${describeCause(error instanceof Error && error.cause ? error.cause : error)}`))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async revokeIdle(): Promise<void> {
    const idle = this.options.sessionIdleTimeoutSeconds;
    if (idle === null) return;
    for (;;) {
      const stamp = revocationStamp(this.options, IDLE_REVOCATION_REASON);
      const revoked = await this.store.revokeIdleSessions(new Date(stamp.at.getTime() - idle * 1000), stamp, BATCH_SIZE);
      announceIdleRevocations(this.revocations, this.events, revoked, stamp);
      if (revoked.sessions.length < BATCH_SIZE) return;
    }
  }
}
