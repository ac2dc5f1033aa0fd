import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InvalidArgumentError } from './errors/invalid-argument.error.js';
import { SessionNotFoundError } from './errors/session-not-found.error.js';
import { TokenExpiredError } from './errors/token-expired.error.js';
import { TokenRevokedError } from './errors/token-revoked.error.js';
import { TokenTooLargeError } from './errors/token-too-large.error.js';
import { TrackingDisabledError } from './errors/tracking-disabled.error.js';
import { RESOLVED_OPTIONS } from './internal.constants.js';
import { IssueContextSource, normalizeIssueContext } from './issue-context.js';
import { RESERVED_CLAIMS, VerifiedToken } from './jwt/token-claims.js';
import { TokenVerifier } from './jwt/token-verifier.js';
import { ResolvedTokenTrackingOptions } from './resolved-options.js';
import { PageRequest, RevocationOutcome, RevocationRequest, TokenStore } from './store/token-store.interface.js';
import { TrackedSession } from './store/tracked-session.js';

/** A freshly signed token and what was recorded about it. */
export interface GeneratedToken {
  readonly token: string;
  readonly jti: string;
  readonly userId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

const MAX_USER_ID_LENGTH = 255;
const MAX_JTI_LENGTH = 64;
const MAX_REASON_LENGTH = 64;
/** 32 random bytes: 256 bits, 43 base64url characters. */
const JTI_BYTES = 32;

/**
 * Issues, verifies and revokes tokens, and answers for a user's sessions.
 * Every check that needs no database runs before any that does.
 */
@Injectable()
export class TokenTrackingService {
  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenStore) private readonly store: TokenStore,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
  ) {}

  /**
   * Signs a token for `userId` carrying `data` under the `data` claim, and
   * records it when tracking is on. At the session cap nothing is signed
   * into existence: `MaxSessionsExceededError` is thrown.
   *
   * `context` is the incoming request (client IP as Express computes it,
   * honouring `trust proxy`, and the User-Agent header) or explicit values.
   */
  async generateToken(
    userId: string,
    data: Record<string, unknown> = {},
    context?: IssueContextSource,
  ): Promise<GeneratedToken> {
    assertUserId(userId);
    assertTokenData(data);
    const { clientIp, userAgent } = normalizeIssueContext(context);
    const nowMs = this.options.clock();
    const nowSeconds = Math.floor(nowMs / 1000);
    const jti = randomBytes(JTI_BYTES).toString('base64url');
    const exp = nowSeconds + this.options.expiresInSeconds;
    const token = this.options.codec.sign({
      iss: this.options.issuer,
      sub: userId,
      aud: [...this.options.audiences],
      exp,
      nbf: nowSeconds,
      // Milliseconds in `iat` (RFC 7519 NumericDate may be fractional) make a
      // revoke-all exact: a login in the same second after it stays valid.
      iat: nowMs / 1000,
      jti,
      ...(Object.keys(data).length > 0 ? { data } : {}),
    });
    if (token.length > this.options.maxTokenSize) throw new TokenTooLargeError();
    const issued: GeneratedToken = {
      token,
      jti,
      userId,
      issuedAt: new Date(nowMs),
      expiresAt: new Date(exp * 1000),
    };
    if (this.options.trackUserTokens) {
      await this.store.recordIssued(
        { jti, userId, issuedAt: issued.issuedAt, expiresAt: issued.expiresAt, clientIp, userAgent },
        { maxSessions: this.options.maxUserSessions, now: issued.issuedAt },
      );
    }
    return issued;
  }

  /**
   * Verifies size, signature (configured algorithm only), expiry, not-before,
   * issuer and audience, then revocation. Each failure is its own error.
   */
  async parseToken(token: string): Promise<VerifiedToken> {
    const verified = this.verifier.verify(token);
    if (await this.store.isRevoked(verified)) throw new TokenRevokedError();
    return verified;
  }

  async getUserSessionCount(userId: string): Promise<number> {
    this.assertTracking();
    assertUserId(userId);
    return this.store.countActiveSessions(userId, this.now());
  }

  /** The user's active tracked tokens, oldest first (a page of them when `page` is given). */
  async getActiveUserTokens(userId: string, page?: PageRequest): Promise<TrackedSession[]> {
    this.assertTracking();
    assertUserId(userId);
    return this.store.listActiveSessions(userId, this.now(), page);
  }

  /**
   * Revokes one token, given as the token itself or its jti. A token is
   * verified first (a forged one cannot fill the deny-list); a jti must
   * belong to a tracked token. Revoking twice throws `TokenRevokedError`.
   */
  async revokeToken(tokenOrJti: string, reason = 'revoked'): Promise<void> {
    assertReason(reason);
    if (typeof tokenOrJti === 'string' && tokenOrJti.includes('.')) {
      const verified = this.verifier.verify(tokenOrJti);
      await this.applyRevocation({
        jti: verified.jti,
        at: this.now(),
        reason,
        untracked: { userId: verified.userId, issuedAt: verified.issuedAt, expiresAt: verified.expiresAt },
      });
      return;
    }
    assertJti(tokenOrJti);
    await this.applyRevocation({ jti: tokenOrJti, at: this.now(), reason });
  }

  /**
   * Revokes a token known only by its jti and expiry (for example one issued
   * while tracking was off); the deny-list entry lives until `expiresAt`.
   */
  async revokeTokenById(jti: string, expiresAt: Date, reason = 'revoked'): Promise<void> {
    assertJti(jti);
    assertReason(reason);
    if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) {
      throw new InvalidArgumentError('expiresAt must be a valid Date');
    }
    await this.applyRevocation({ jti, at: this.now(), reason, untracked: { expiresAt } });
  }

  /**
   * Revokes every token of the user issued up to now, tracked or not (for a
   * password change or an incident). Returns how many active sessions ended.
   */
  async revokeAllUserTokens(userId: string, reason = 'revoke-all'): Promise<number> {
    assertUserId(userId);
    assertReason(reason);
    return this.store.revokeAllForUser(userId, this.now(), reason);
  }

  /**
   * Revokes one of the user's own tracked sessions. A jti that is not one of
   * the user's sessions is reported as `SessionNotFoundError`, whoever owns it.
   */
  async revokeUserSession(userId: string, jti: string, reason = 'revoked'): Promise<void> {
    assertUserId(userId);
    assertJti(jti);
    assertReason(reason);
    await this.applyRevocation({ jti, at: this.now(), reason, ownerUserId: userId });
  }

  /**
   * Revokes all of the user's tracked sessions but `currentJti` ("log out my
   * other devices"). Returns how many it ended.
   */
  async revokeOtherUserSessions(userId: string, currentJti: string, reason = 'revoke-others'): Promise<number> {
    this.assertTracking();
    assertUserId(userId);
    assertJti(currentJti);
    assertReason(reason);
    return this.store.revokeOtherSessions(userId, currentJti, this.now(), reason);
  }

  private async applyRevocation(request: RevocationRequest): Promise<void> {
    const outcome: RevocationOutcome = await this.store.revoke(request);
    switch (outcome) {
      case 'revoked':
        return;
      case 'already-revoked':
        throw new TokenRevokedError();
      case 'expired':
        throw new TokenExpiredError();
      case 'not-found':
        throw new SessionNotFoundError();
    }
  }

  private assertTracking(): void {
    if (!this.options.trackUserTokens) throw new TrackingDisabledError();
  }

  private now(): Date {
    return new Date(this.options.clock());
  }
}

function assertUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId === '' || userId.length > MAX_USER_ID_LENGTH) {
    throw new InvalidArgumentError(`userId must be a non-empty string of at most ${MAX_USER_ID_LENGTH} characters`);
  }
}

function assertJti(jti: unknown): asserts jti is string {
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) {
    throw new InvalidArgumentError(`jti must be a non-empty string of at most ${MAX_JTI_LENGTH} characters`);
  }
}

function assertReason(reason: unknown): void {
  if (typeof reason !== 'string' || reason === '' || reason.length > MAX_REASON_LENGTH) {
    throw new InvalidArgumentError(`reason must be a non-empty string of at most ${MAX_REASON_LENGTH} characters`);
  }
}

function assertTokenData(data: unknown): asserts data is Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidArgumentError('data must be a plain object');
  }
  const reserved = Object.keys(data).filter((name) => RESERVED_CLAIMS.includes(name));
  if (reserved.length > 0) {
    throw new InvalidArgumentError(`data may not use reserved claim names: ${reserved.join(', ')}`);
  }
  try {
    JSON.stringify(data);
  } catch (error) {
    throw new InvalidArgumentError(`data must be JSON-serialisable (${(error as Error).message})`);
  }
}

