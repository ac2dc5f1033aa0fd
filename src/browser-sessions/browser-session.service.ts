import { Inject, Injectable } from '@nestjs/common';
import { MissingTokenError } from '../errors/missing-token.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { TokenVerifier } from '../jwt/token-verifier.js';
import { TokenPair } from '../issuance/issued-tokens.js';
import { RequestLike } from '../issuance/issue-context.js';
import { BROWSER_SESSIONS_OPTIONS, RESOLVED_OPTIONS } from '../internal.constants.js';
import { ResolvedBrowserSessions } from '../options/resolved-browser-sessions.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { setResponseHeader } from '../http/www-authenticate.js';
import { TokenTrackingService } from '../token-tracking.service.js';
import { appendSetCookie, clearedCookieLine, refreshCookieLine, refreshCookieValues } from './refresh-cookie.js';
import { OriginCheckedRequest, refuseCrossOriginRequest } from './same-origin-check.js';

/** What a browser page receives: the access token, to hold in memory; the refresh token stays in its cookie. */
export interface BrowserSessionTokens {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  /** When the access token expires (ISO 8601). */
  readonly expiresAt: string;
  /** Seconds until then, counted by the server: refresh somewhat before, whatever the page's clock says. */
  readonly expiresIn: number;
  readonly sessionId: string;
}

/** An Express or Fastify request, as the cookie routes read it. */
export type BrowserRequest = RequestLike & OriginCheckedRequest;

/**
 * The refresh token as an HttpOnly cookie (with `browserSessions`): the
 * application's own login route calls `signIn` with the pair it issued; the
 * library's cookie routes refresh and sign out. Every method that the
 * cookie authenticates refuses a request that does not come from the
 * application's own pages first (see `refuseCrossOriginRequest`).
 */
@Injectable()
export class BrowserSessionService {
  constructor(
    @Inject(BROWSER_SESSIONS_OPTIONS) private readonly settings: ResolvedBrowserSessions,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedTokenTrackingOptions,
    @Inject(TokenTrackingService) private readonly tokens: TokenTrackingService,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
  ) {}

  /**
   * After the application's login issued `pair` for this request: sets the
   * refresh cookie on `response` and returns what the page needs. A login
   * request from another origin (login CSRF: signing the victim's browser
   * into the attacker's account) is refused, and the session just started
   * for it revoked. Put `SameOriginGuard` on the login route as well, so
   * that such a request never reaches the password check.
   *
   * The session of a refresh cookie the browser still held is revoked
   * (`replaced-by-login`): the new cookie overwrites its only copy, so it
   * could never be refreshed or signed out again, yet it would stay
   * active, counted against the user's cap, until it expired.
   */
  async signIn(request: BrowserRequest, response: unknown, pair: TokenPair): Promise<BrowserSessionTokens> {
    try {
      this.refuseCrossOriginRequest(request);
    } catch (error) {
      await this.tokens.revokeToken(pair.sessionId, { reason: 'cross-site-login' }).catch(() => undefined);
      throw error;
    }
    // The login itself succeeded: an outage here leaves the old session to expire, as it would have without this.
    await this.endCookieSessions(request, 'replaced-by-login', pair.sessionId).catch(() => undefined);
    return this.deliver(response, pair);
  }

  /**
   * Exchanges the refresh cookie for the next pair of its session, exactly
   * as `TokenTrackingService.refresh` does (rotation, the grace period for
   * parallel tabs, reuse detection). A refresh the session cannot survive
   * (401) also deletes the cookie; an outage (503) keeps it for a retry.
   */
  async refresh(request: BrowserRequest, response: unknown): Promise<BrowserSessionTokens> {
    this.refuseCrossOriginRequest(request);
    const refreshToken = await this.presentedRefreshToken(request, response);
    try {
      return this.deliver(response, await this.tokens.refresh(refreshToken, request));
    } catch (error) {
      if (error instanceof TokenTrackingError && error.getStatus() === 401) this.clearCookie(response);
      throw error;
    }
  }

  /**
   * Logs this browser out: revokes the session of every refresh cookie the
   * request holds that verifies (its access tokens too) and deletes the
   * cookie. Revoking them all means that a second cookie of the same name,
   * planted by a sibling host to be read first, cannot keep the browser's
   * own session alive. Signing out a session that already ended, or with
   * no cookie, only deletes the cookie; an outage is thrown (503) with the
   * cookie kept, so that the logout can be retried.
   */
  async signOut(request: BrowserRequest, response: unknown): Promise<void> {
    this.refuseCrossOriginRequest(request);
    await this.endCookieSessions(request, 'logout');
    this.clearCookie(response);
  }

  /** Deletes this browser's refresh cookie (the session routes do it when a user signs this device out). */
  clearCookie(response: unknown): void {
    appendSetCookie(response, clearedCookieLine(this.settings.cookie));
  }

  /** Throws `CrossSiteRequestRefusedError` (403) unless the request comes from the application's own pages. */
  refuseCrossOriginRequest(request: OriginCheckedRequest): void {
    refuseCrossOriginRequest(request, this.settings.csrf);
  }

  private deliver(response: unknown, pair: TokenPair): BrowserSessionTokens {
    // The body holds an access token: no cache, shared or the browser's own, may keep it (the application's login route included).
    setResponseHeader(response, 'Cache-Control', 'no-store');
    const nowMs = this.options.clock();
    appendSetCookie(response, refreshCookieLine(
      this.settings.cookie, pair.refreshToken.token, (pair.refreshToken.expiresAt.getTime() - nowMs) / 1000));
    return {
      accessToken: pair.accessToken.token,
      tokenType: 'Bearer',
      expiresAt: pair.accessToken.expiresAt.toISOString(),
      expiresIn: Math.max(0, Math.floor((pair.accessToken.expiresAt.getTime() - nowMs) / 1000)),
      sessionId: pair.sessionId,
    };
  }

  /**
   * The one refresh cookie of the request. Two of the same name mean that
   * another host of the site planted one (cookie tossing: without the
   * `__Host-` prefix a sibling subdomain can): neither is trusted. The
   * sessions of both end, as the browser's own could never be refreshed
   * again once its cookie is deleted here, yet would stay active.
   */
  private async presentedRefreshToken(request: BrowserRequest, response: unknown): Promise<string> {
    const values = refreshCookieValues(request.headers, this.settings.cookie.name).filter((value) => value !== '');
    if (values.length === 0) throw new MissingTokenError('no refresh cookie: sign in first');
    if (values.length > 1) {
      this.clearCookie(response);
      // Refused either way: an outage leaves those sessions to expire.
      await this.endCookieSessions(request, 'cookie-conflict').catch(() => undefined);
      throw new InvalidTokenError('two refresh cookies of the same name: one was planted by another host of this site; sign in again');
    }
    return values[0]!;
  }

  /**
   * Revokes the session of every refresh cookie of the request that
   * verifies (all of them, so that a planted one read first cannot shield
   * the browser's own), but `keepSessionId`'s. A session already over is
   * skipped; an outage is thrown.
   */
  private async endCookieSessions(request: BrowserRequest, reason: string, keepSessionId?: string): Promise<void> {
    for (const presented of await this.verifiedRefreshCookies(request)) {
      if (presented.sessionId === keepSessionId) continue;
      try {
        await this.tokens.revokeToken(presented.token, { reason });
      } catch (error) {
        const over = error instanceof TokenTrackingError && [401, 404, 409].includes(error.getStatus());
        if (!over) throw error;
      }
    }
  }

  /**
   * The request's refresh cookies that are this application's refresh
   * tokens, valid now: whatever else a cookie of that name holds (empty,
   * garbage, a bare id, an access token) was not set by the library and
   * proves nothing, so it is never used to revoke anything.
   */
  private async verifiedRefreshCookies(request: BrowserRequest): Promise<Array<{ token: string; sessionId: string }>> {
    const verified: Array<{ token: string; sessionId: string }> = [];
    for (const token of new Set(refreshCookieValues(request.headers, this.settings.cookie.name))) {
      const claims = await this.verifier.verify(token).catch(() => null);
      if (claims?.tokenUse === 'refresh') verified.push({ token, sessionId: claims.sessionId });
    }
    return verified;
  }
}

