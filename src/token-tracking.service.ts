import { Inject, Injectable } from '@nestjs/common';
import { IssueContextSource } from './issuance/issue-context.js';
import { GeneratedToken, TokenPair } from './issuance/issued-tokens.js';
import { IssueOptions, SessionIssuer } from './issuance/session-issuer.js';
import { AccessTokenCheck } from './jwt/access-token-check.js';
import { TokenData, VerifiedToken } from './jwt/token-claims.js';
import { TokenPurger } from './lifecycle/token-purger.js';
import { SPAN } from './observability/telemetry-names.js';
import { TokenTrackingTelemetry } from './observability/token-tracking-telemetry.js';
import { RevokeOptions, TokenRevoker } from './revocation/token-revoker.js';
import { SessionDirectory } from './sessions/session-directory.js';
import { KeyUsage, PageRequest, PurgeOutcome } from './store/token-store.interface.js';
import { TrackedSession, TrackedToken } from './store/tracked-session.js';

/**
 * The library's API: issue, verify, refresh, list and revoke tokens and
 * sessions. Inject it (`@Inject(TokenTrackingService)`, or by type) and, to
 * type the `data` tokens carry, name it: `TokenTrackingService<{ role: string }>`.
 * Every check that needs no database runs before any that does.
 */
@Injectable()
export class TokenTrackingService<TData extends object = TokenData> {
  constructor(
    @Inject(SessionIssuer) private readonly issuer: SessionIssuer,
    @Inject(TokenRevoker) private readonly revoker: TokenRevoker,
    @Inject(SessionDirectory) private readonly directory: SessionDirectory,
    @Inject(AccessTokenCheck) private readonly accessTokens: AccessTokenCheck,
    @Inject(TokenPurger) private readonly purger: TokenPurger,
    @Inject(TokenTrackingTelemetry) private readonly telemetry: TokenTrackingTelemetry,
  ) {}

  /**
   * Signs an access token for `userId` carrying `data` (under the `data`
   * claim) and records it as a session of its own when tracking is on. At
   * the session cap: `MaxSessionsExceededError` with the `reject` policy,
   * the oldest session revoked with `evict-oldest`.
   *
   * `context` is the incoming request (client IP as the framework computes
   * it, honouring `trust proxy`, and the User-Agent header) or explicit values.
   */
  generateToken(userId: string, data?: TData, context?: IssueContextSource, options?: IssueOptions): Promise<GeneratedToken> {
    return this.telemetry.trace(SPAN.issue, { 'token_tracking.operation': 'token' }, () =>
      this.issuer.generateToken(userId, data as Record<string, unknown> | undefined, context, options));
  }

  /**
   * Starts a session with an access token and a refresh token (`sid` shared,
   * the refresh token marked `token_use: "refresh"`). The session counts
   * once toward the cap. Requires tracking.
   */
  generateTokenPair(userId: string, data?: TData, context?: IssueContextSource, options?: IssueOptions): Promise<TokenPair> {
    return this.telemetry.trace(SPAN.issue, { 'token_tracking.operation': 'pair' }, () =>
      this.issuer.generateTokenPair(userId, data as Record<string, unknown> | undefined, context, options));
  }

  /**
   * Exchanges a refresh token for the next pair of its session. Presented
   * again within `refreshGraceSeconds`, the same pair is returned again;
   * later, the whole session is revoked (`RefreshTokenReusedError`).
   */
  refresh(refreshToken: string, context?: IssueContextSource): Promise<TokenPair> {
    return this.telemetry.trace(SPAN.refresh, {}, () => this.issuer.refresh(refreshToken, context));
  }

  /**
   * Verifies an access token: size, signature (the key its `kid` names, with
   * that key's algorithm only), claims, expiry, not-before, issue time,
   * issuer, audience, then revocation and, with `sessionIdleTimeout`, the
   * session's idle deadline. Each failure is its own error. A refresh token
   * is refused.
   */
  async parseToken(token: string): Promise<VerifiedToken<TData>> {
    return this.accessTokens.check(token) as VerifiedToken<TData> | Promise<VerifiedToken<TData>>;
  }

  /** The user's active sessions (a pair and its rotations count once). */
  getUserSessionCount(userId: string): Promise<number> {
    return this.directory.count(userId);
  }

  /** The user's active sessions, oldest first (a page of them when `page` is given: limit 1–200, offset ≥ 0). */
  getUserSessions(userId: string, page?: PageRequest): Promise<TrackedSession[]> {
    return this.directory.list(userId, page);
  }

  /** The unexpired, unrotated tokens of the user's active sessions, oldest first. */
  getActiveUserTokens(userId: string): Promise<TrackedToken[]> {
    return this.directory.tokens(userId);
  }

  /** Per signing key, how many tracked tokens it signed are still unexpired, and until when (for retiring keys). */
  getKeyUsage(): Promise<KeyUsage[]> {
    return this.directory.keyUsage();
  }

  /**
   * Revokes a token, given as the token itself, its jti or its session id.
   * A tracked token takes its whole session with it (a logout also ends the
   * refresh token). Revoking twice throws `AlreadyRevokedError` (409).
   */
  revokeToken(tokenOrId: string, options?: RevokeOptions): Promise<void> {
    return this.telemetry.trace(SPAN.revoke, {}, () => this.revoker.revokeToken(tokenOrId, options));
  }

  /** Revokes a token known only by its jti and expiry (for example one issued while tracking was off). */
  revokeTokenById(jti: string, expiresAt: Date, options?: RevokeOptions): Promise<void> {
    return this.telemetry.trace(SPAN.revoke, {}, () => this.revoker.revokeTokenById(jti, expiresAt, options));
  }

  /** Revokes one of the user's own sessions (by session id or a token's jti); others' are `SessionNotFoundError`. */
  revokeUserSession(userId: string, sessionIdOrJti: string, options?: RevokeOptions): Promise<void> {
    return this.telemetry.trace(SPAN.revoke, {}, () => this.revoker.revokeUserSession(userId, sessionIdOrJti, options));
  }

  /** Revokes all of the user's sessions but `currentSessionId` ("log out my other devices"); returns how many. */
  revokeOtherUserSessions(userId: string, currentSessionId: string, options?: RevokeOptions): Promise<number> {
    return this.telemetry.trace(SPAN.revoke, {}, () => this.revoker.revokeOtherUserSessions(userId, currentSessionId, options));
  }

  /** Revokes every token of the user issued up to now, tracked or not; returns how many live sessions ended. */
  revokeAllUserTokens(userId: string, options?: RevokeOptions): Promise<number> {
    return this.telemetry.trace(SPAN.revoke, {}, () => this.revoker.revokeAllUserTokens(userId, options));
  }

  /** Deletes what can no longer matter, in bounded batches; `skipped` while another process purges. */
  purgeExpired(): Promise<PurgeOutcome> {
    return this.purger.purgeExpired();
  }
}
