import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable.error.js';
import { describeRoutesForOpenApi } from '../http/openapi.js';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { describeCause } from '../store/store-failure.js';
import { TokenStore } from '../store/token-store.interface.js';
import { assertTimeRoundTrip, readTimeRoundTrip, TimeRoundTrip } from '../store/time-round-trip.js';
import { withTimeout } from '../runtime/with-timeout.js';

/**
 * What is checked while the module starts, so that mistakes stop the
 * application at deploy time rather than failing the first login:
 * - the database has the library's tables, columns and functions. A
 *   database lacking some refuses the start, naming the migration folders
 *   to apply: every login and every guarded request would fail otherwise.
 *   An unreachable database does not stop the start (requests get 503
 *   until it is back, and the check is logged as skipped).
 * - the database sessions, and those of `revocationReplica.readFrom`, read
 *   times in UTC: elsewhere every time the library passes would be shifted.
 * - a remote key set can be loaded (`jose` installed).
 * - OpenAPI descriptions of the routes, when `@nestjs/swagger` is installed.
 */
@Injectable()
export class StartupChecks implements OnModuleInit {
  private readonly logger = new Logger('TokenTracking');

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenStore) private readonly store: TokenStore,
  ) {}

  async onModuleInit(): Promise<void> {
    await describeRoutesForOpenApi();
    await this.options.keys.warmUp();
    try {
      await this.store.verifySchema?.();
    } catch (error) {
      if (!(error instanceof TokenStoreUnavailableError)) throw error;
      const cause = error.cause instanceof Error ? describeCause(error.cause) : 'unreachable';
      this.logger.warn(`could not check the database schema at startup (${cause}); requests answer 503 until the database is reachable`);
    }
    await this.checkStandbyTimes();
  }

  /**
   * The replica reads revocations from `readFrom` with time cutoffs: a
   * standby session reading times in another zone would leave revocations
   * out of the replica, and their tokens accepted.
   */
  private async checkStandbyTimes(): Promise<void> {
    const standby = this.options.revocationReplica?.readFrom;
    if (!standby) return;
    let read: TimeRoundTrip;
    try {
      read = await withTimeout(readTimeRoundTrip(standby), this.options.storeTimeouts.readMs, 'revocationReplica.readFrom');
    } catch (error) {
      this.logger.warn(`could not check revocationReplica.readFrom's time zone at startup (${describeCause(error)})`);
      return;
    }
    assertTimeRoundTrip(read, 'revocationReplica.readFrom');
  }
}
