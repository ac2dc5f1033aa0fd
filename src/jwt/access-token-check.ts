import { Inject, Injectable } from '@nestjs/common';
import { TokenTypeMismatchError } from '../errors/token-type-mismatch.error.js';
import { TokenTrackingTelemetry } from '../observability/token-tracking-telemetry.js';
import { RevocationChecker } from '../revocation/revocation-checker.js';
import { IdleDeadlineCheck } from '../sessions/idle-deadline-check.js';
import { VerifiedToken } from './token-claims.js';
import { TokenVerifier } from './token-verifier.js';

/**
 * Everything an access token must pass, in order: size, signature, claims
 * (`TokenVerifier`), then that it is an access token, not revoked
 * (`RevocationChecker`) and, with `sessionIdleTimeout`, within its
 * session's idle deadline. Every refusal is counted by the telemetry.
 *
 * It answers at once, without a Promise, whenever nothing has to be
 * waited for: a local key, a replica in sync, no last use to read. That is
 * every request of a busy instance, and there each Promise of an async
 * chain would be an allocation and a turn of the microtask queue. What
 * must wait (a JWKS fetch, a database question) returns a Promise.
 */
@Injectable()
export class AccessTokenCheck {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(RevocationChecker) private readonly revocations: RevocationChecker,
    @Inject(IdleDeadlineCheck) private readonly idleDeadlines: IdleDeadlineCheck,
    @Inject(TokenTrackingTelemetry) private readonly telemetry: TokenTrackingTelemetry,
  ) {}

  /** The verified access token, or a refusal (thrown, or the Promise rejected, with the refusal's error). */
  check(token: string): VerifiedToken | Promise<VerifiedToken> {
    let outcome: VerifiedToken | Promise<VerifiedToken>;
    try {
      const verified = this.verifier.verifyNow(token);
      outcome = verified instanceof Promise ? verified.then((found) => this.checkSession(found)) : this.checkSession(verified);
    } catch (error) {
      throw this.refused(error);
    }
    return outcome instanceof Promise ? outcome.catch((error: unknown) => Promise.reject(this.refused(error))) : outcome;
  }

  private checkSession(verified: VerifiedToken): VerifiedToken | Promise<VerifiedToken> {
    if (verified.tokenUse !== 'access') throw new TokenTypeMismatchError('access');
    const revoked = this.revocations.isRevokedNow(verified);
    if (revoked instanceof Promise) return revoked.then((answer) => this.checkDeadline(verified, answer));
    return this.checkDeadline(verified, revoked);
  }

  private checkDeadline(verified: VerifiedToken, revoked: boolean): VerifiedToken | Promise<VerifiedToken> {
    if (revoked) return this.idleDeadlines.revokedError(verified).then((error) => Promise.reject(error));
    const pending = this.idleDeadlines.assertWithinDeadline(verified);
    return pending ? pending.then(() => verified) : verified;
  }

  private refused(error: unknown): unknown {
    this.telemetry.rejected(error);
    return error;
  }
}
