import { Body, Controller, Header, HttpCode, HttpStatus, Inject, Post, Req, UnauthorizedException } from '@nestjs/common';
import { ApiBody, ApiConflictResponse, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public, TokenPair, TokenTrackingService } from '../../src/index.js';
import { DemoUsers } from './demo-users.js';
import { stringField } from './request-fields.js';

interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresAt: string;
  refreshExpiresAt: string;
}

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(TokenTrackingService) private readonly tokens: TokenTrackingService,
    @Inject(DemoUsers) private readonly users: DemoUsers,
  ) {}

  /** Starts a session (an access/refresh pair); past the cap this is a 409 MAX_SESSIONS_EXCEEDED. */
  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store') // the body holds tokens: no cache, shared or the browser's, may keep it
  @ApiBody({ schema: { properties: { username: { type: 'string' }, password: { type: 'string' } } } })
  @ApiOkResponse({ description: 'An access token and a refresh token' })
  @ApiConflictResponse({ description: 'Too many active sessions (MAX_SESSIONS_EXCEEDED)' })
  async login(@Body() body: unknown, @Req() request: Request): Promise<TokenResponse> {
    const username = stringField(body, 'username');
    const password = stringField(body, 'password');
    const user = this.users.verify(username, password);
    if (!user) {
      throw new UnauthorizedException({
        statusCode: 401,
        code: 'INVALID_CREDENTIALS',
        message: 'wrong username or password',
        error: 'Unauthorized',
      });
    }
    return toResponse(await this.tokens.generateTokenPair(user.id, { username: user.username, role: user.role }, request));
  }

  /**
   * Exchanges a refresh token for a new pair of the same session. A refresh
   * token used twice (outside the grace period) ends the session.
   */
  @Public()
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store') // the body holds tokens: no cache, shared or the browser's, may keep it
  @ApiBody({ schema: { properties: { refreshToken: { type: 'string' } } } })
  @ApiOkResponse({ description: 'A new access token and refresh token' })
  @ApiUnauthorizedResponse({ description: 'Refresh token invalid, expired, revoked or reused (REFRESH_TOKEN_REUSED)' })
  async refresh(@Body() body: unknown, @Req() request: Request): Promise<TokenResponse> {
    // Every refresh failure is a 401 with its code (REFRESH_TOKEN_REUSED, TOKEN_EXPIRED, ...).
    return toResponse(await this.tokens.refresh(stringField(body, 'refreshToken'), request));
  }
}

function toResponse(pair: TokenPair): TokenResponse {
  return {
    accessToken: pair.accessToken.token,
    refreshToken: pair.refreshToken.token,
    tokenType: 'Bearer',
    expiresAt: pair.accessToken.expiresAt.toISOString(),
    refreshExpiresAt: pair.refreshToken.expiresAt.toISOString(),
  };
}
