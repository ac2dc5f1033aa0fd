import { Controller, Delete, Get, Header, HttpCode, HttpStatus, Inject, Optional, Param, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { BrowserSessionService } from '../browser-sessions/browser-session.service.js';
import { VerifiedToken } from '../jwt/token-claims.js';
import { PageRequest } from '../store/token-store.interface.js';
import { TokenTrackingService } from '../token-tracking.service.js';
import { CurrentSession } from './current-session.decorator.js';
import { ParseIdPipe, ParsePagePipe } from './route-params.js';
import { RevokedCountDto, SessionListDto } from './session.dto.js';
import { loadSessionList } from './session-list.js';
import { TokenTrackingExceptionFilter } from './token-tracking-exception.filter.js';
import { TrackedJwtGuard } from './tracked-jwt.guard.js';

/**
 * Self-service session management for the authenticated user. Every route
 * acts on the caller's own sessions only. Mounted when the module is given
 * `sessionRoutes` (default path `auth/sessions`).
 */
@UseGuards(TrackedJwtGuard)
@UseFilters(TokenTrackingExceptionFilter)
@Controller()
export class SessionsController {
  constructor(
    @Inject(TokenTrackingService) private readonly tokens: TokenTrackingService,
    /** With `browserSessions`: ending this device's session also deletes this browser's refresh cookie. */
    @Optional() @Inject(BrowserSessionService) private readonly browserSessions?: BrowserSessionService,
  ) {}

  /** My active sessions, oldest first; the current one is marked. */
  @Get()
  @Header('Cache-Control', 'no-store')
  list(@CurrentSession() session: VerifiedToken, @Query(ParsePagePipe) page: PageRequest): Promise<SessionListDto> {
    return loadSessionList(this.tokens, session.userId, page, session.sessionId);
  }

  /** Log out: revoke the session making this request (its refresh token too). */
  @Delete('current')
  @HttpCode(HttpStatus.NO_CONTENT)
  async revokeCurrent(@CurrentSession() session: VerifiedToken, @Res({ passthrough: true }) response: unknown): Promise<void> {
    // By jti and expiry: also a token that was never tracked is logged out.
    await this.tokens.revokeTokenById(session.jti, session.expiresAt, { reason: 'logout', actor: session.userId });
    this.browserSessions?.clearCookie(response);
  }

  /** Log out my other devices: revoke every session but this one. */
  @Delete('others')
  async revokeOthers(@CurrentSession() session: VerifiedToken): Promise<RevokedCountDto> {
    return { revoked: await this.tokens.revokeOtherUserSessions(session.userId, session.sessionId, { actor: session.userId }) };
  }

  /** Revoke one of my sessions (by session id or the jti of one of its tokens). */
  @Delete(':sessionId')
  @HttpCode(HttpStatus.NO_CONTENT)
  async revokeOne(
    @CurrentSession() session: VerifiedToken,
    @Param('sessionId', ParseIdPipe) sessionId: string,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<void> {
    await this.tokens.revokeUserSession(session.userId, sessionId, { actor: session.userId });
    if (sessionId === session.sessionId || sessionId === session.jti) this.browserSessions?.clearCookie(response);
  }

  /** Log out everywhere: revoke all my tokens, this one included. */
  @Delete()
  async revokeAll(@CurrentSession() session: VerifiedToken, @Res({ passthrough: true }) response: unknown): Promise<RevokedCountDto> {
    const revoked = await this.tokens.revokeAllUserTokens(session.userId, { reason: 'logout-everywhere', actor: session.userId });
    this.browserSessions?.clearCookie(response);
    return { revoked };
  }
}
