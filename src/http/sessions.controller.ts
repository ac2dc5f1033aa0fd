import { Controller, Delete, Get, HttpCode, HttpStatus, Inject, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { VerifiedToken } from '../jwt/token-claims.js';
import { PageRequest } from '../store/token-store.interface.js';
import { TokenTrackingService } from '../token-tracking.service.js';
import { CurrentSession } from './current-session.decorator.js';
import { ParseIdPipe, ParsePagePipe } from './route-params.js';
import { ErrorResponseDto, RevokedCountDto, SessionListDto } from './session.dto.js';
import { loadSessionList } from './session-list.js';
import { TokenTrackingExceptionFilter } from './token-tracking-exception.filter.js';
import { TrackedJwtGuard } from './tracked-jwt.guard.js';

/**
 * Self-service session management for the authenticated user. Every route
 * acts on the caller's own sessions only. Mounted when the module is given
 * `sessionRoutes` (default path `auth/sessions`).
 */
@ApiTags('sessions')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing, invalid, expired or revoked token' })
@UseGuards(TrackedJwtGuard)
@UseFilters(TokenTrackingExceptionFilter)
@Controller()
export class SessionsController {
  constructor(@Inject(TokenTrackingService) private readonly tokens: TokenTrackingService) {}

  @Get()
  @ApiOperation({ summary: 'List my active sessions, oldest first; the current one is marked' })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiOkResponse({ type: SessionListDto })
  list(@CurrentSession() session: VerifiedToken, @Query(ParsePagePipe) page: PageRequest): Promise<SessionListDto> {
    return loadSessionList(this.tokens, session.userId, page, session.sessionId);
  }

  @Delete('current')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Log out: revoke the session making this request (its refresh token too)' })
  @ApiNoContentResponse()
  async revokeCurrent(@CurrentSession() session: VerifiedToken): Promise<void> {
    await this.tokens.revokeTokenById(session.jti, session.expiresAt, { reason: 'logout', actor: session.userId });
  }

  @Delete('others')
  @ApiOperation({ summary: 'Log out my other devices: revoke every session but this one' })
  @ApiOkResponse({ type: RevokedCountDto })
  async revokeOthers(@CurrentSession() session: VerifiedToken): Promise<RevokedCountDto> {
    return {
      revoked: await this.tokens.revokeOtherUserSessions(session.userId, session.sessionId, { actor: session.userId }),
    };
  }

  @Delete(':sessionId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Revoke one of my sessions' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No session of mine has this id' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Already revoked or expired' })
  async revokeOne(@CurrentSession() session: VerifiedToken, @Param('sessionId', ParseIdPipe) sessionId: string): Promise<void> {
    await this.tokens.revokeUserSession(session.userId, sessionId, { actor: session.userId });
  }

  @Delete()
  @ApiOperation({ summary: 'Log out everywhere: revoke all my tokens, this one included' })
  @ApiOkResponse({ type: RevokedCountDto })
  async revokeAll(@CurrentSession() session: VerifiedToken): Promise<RevokedCountDto> {
    return {
      revoked: await this.tokens.revokeAllUserTokens(session.userId, { reason: 'logout-everywhere', actor: session.userId }),
    };
  }
}
