import { Inject, Injectable } from '@nestjs/common';
import { TrackingDisabledError } from '../errors/tracking-disabled.error.js';
import { RESOLVED_OPTIONS } from '../internal.constants.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { KeyUsage, PageRequest, TokenStore } from '../store/token-store.interface.js';
import { TrackedSession, TrackedToken } from '../store/tracked-session.js';
import { assertPage, assertUserId } from '../validation/argument-checks.js';
import { SessionPolicy } from './session-policy.js';

/**
 * What is known about a user's sessions: how many are active, which, and
 * their tokens. "Active" is judged at the moment of asking: an expired or
 * idle session stops counting the instant it ends, not at the next purge.
 */
@Injectable()
export class SessionDirectory {
  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenStore) private readonly store: TokenStore,
    @Inject(SessionPolicy) private readonly policy: SessionPolicy,
  ) {}

  async count(userId: string): Promise<number> {
    this.assertTracking();
    assertUserId(userId);
    return this.store.countActiveSessions(userId, this.policy.criteria());
  }

  async list(userId: string, page?: PageRequest): Promise<TrackedSession[]> {
    this.assertTracking();
    assertUserId(userId);
    if (page !== undefined) assertPage(page);
    const sessions = await this.store.listActiveSessions(userId, this.policy.criteria(), page);
    return sessions.map((session) => this.policy.describe(session));
  }

  async tokens(userId: string): Promise<TrackedToken[]> {
    this.assertTracking();
    assertUserId(userId);
    return this.store.listActiveTokens(userId, this.policy.criteria());
  }

  /** Per key id, the tracked tokens it signed that can still be accepted (for retiring keys). */
  async keyUsage(): Promise<KeyUsage[]> {
    this.assertTracking();
    // The verifier accepts a token for the clock tolerance past its end: judge that much earlier.
    const nowMs = this.options.clock() - this.options.clockToleranceSeconds * 1000;
    const { idleCutoff, createdCutoff } = this.policy.criteria(nowMs);
    return this.store.keyUsage(new Date(nowMs), { idleCutoff, createdCutoff, graceMs: this.options.refreshGraceMs });
  }

  private assertTracking(): void {
    if (!this.options.trackUserTokens) throw new TrackingDisabledError();
  }
}
