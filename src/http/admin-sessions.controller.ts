import { Controller, Delete, Get, Header, HttpCode, HttpStatus, Inject, Param, Query, Req, UseFilters, UseGuards } from '@nestjs/common';
import { VerifiedToken } from '../jwt/token-claims.js';
import { PageRequest } from '../store/token-store.interface.js';
import { TokenTrackingService } from '../token-tracking.service.js';
import { ADMIN_ACCESS_VERDICT, AdminAccessGuard, ProbeAdminAccess } from './admin-access.guard.js';
import { CurrentSession } from './current-session.decorator.js';
import { ParseIdPipe, ParsePagePipe, ParseUserIdPipe } from './route-params.js';
import { RevokedCountDto, SessionListDto } from './session.dto.js';
import { loadSessionList } from './session-list.js';
import { TokenTrackingExceptionFilter } from './token-tracking-exception.filter.js';
import { TrackedJwtGuard } from './tracked-jwt.guard.js';

/**
 * Session administration across users. Mounted when the module is given
 * `adminRoutes` (default path `admin/sessions`); every request must pass
 * `TrackedJwtGuard` and then the application's `adminRoutes.authorize` hook,
 * without which every request is refused (403).
 */
@UseGuards(TrackedJwtGuard, AdminAccessGuard)
@UseFilters(TokenTrackingExceptionFilter)
@Controller()
export class AdminSessionsController {
  constructor(@Inject(TokenTrackingService) private readonly tokens: TokenTrackingService) {}

  /** Whether this token may use the admin routes: `{ allowed }`, never a 403 (for pages deciding what to show). */
  @Get('access')
  @ProbeAdminAccess()
  @Header('Cache-Control', 'no-store')
  access(@Req() request: Record<symbol, unknown>): { allowed: boolean } {
    return { allowed: request[ADMIN_ACCESS_VERDICT] === true };
  }

  /** A user's active sessions with their metadata, oldest first (the admin's own current session marked). */
  @Get('users/:userId')
  @Header('Cache-Control', 'no-store')
  list(
    @CurrentSession() admin: VerifiedToken,
    @Param('userId', ParseUserIdPipe) userId: string,
    @Query(ParsePagePipe) page: PageRequest,
  ): Promise<SessionListDto> {
    return loadSessionList(this.tokens, userId, page, userId === admin.userId ? admin.sessionId : undefined);
  }

  /** Revoke all of a user's tokens, tracked or not. */
  @Delete('users/:userId')
  async revokeAll(@CurrentSession() admin: VerifiedToken, @Param('userId', ParseUserIdPipe) userId: string): Promise<RevokedCountDto> {
    return { revoked: await this.tokens.revokeAllUserTokens(userId, { reason: 'admin-revoke-all', actor: admin.userId }) };
  }

  /** Revoke one session (by session id, or the jti of one of its tokens). */
  @Delete(':sessionId')
  @HttpCode(HttpStatus.NO_CONTENT)
  async revokeOne(@CurrentSession() admin: VerifiedToken, @Param('sessionId', ParseIdPipe) sessionId: string): Promise<void> {
    await this.tokens.revokeToken(sessionId, { reason: 'admin-revoke', actor: admin.userId });
  }
}
