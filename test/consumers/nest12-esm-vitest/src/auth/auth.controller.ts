import { BadRequestException, Body, Controller, HttpCode, HttpStatus, Post, Req, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { TokenTrackingService } from 'nestjs-token-tracking';
import type { TokenPair } from 'nestjs-token-tracking';
import { UsersService } from './users.service.js';

export interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  sessionId: string;
  expiresAt: string;
}

@Controller('auth')
export class AuthController {
  constructor(
    private readonly tokens: TokenTrackingService,
    private readonly users: UsersService,
  ) {}

  @Post('login')
  @HttpCode(HttpStatus.OK)
  async login(@Body() body: { username?: unknown; password?: unknown }, @Req() request: Request): Promise<TokenResponse> {
    const user = this.users.verify(body?.username, body?.password);
    if (!user) throw new UnauthorizedException('wrong username or password');
    // Past maxUserSessions this throws MaxSessionsExceededError: an HttpException (409).
    return toResponse(await this.tokens.generateTokenPair(user.id, { role: user.role }, request));
  }

  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  async refresh(@Body() body: { refreshToken?: unknown }, @Req() request: Request): Promise<TokenResponse> {
    if (typeof body?.refreshToken !== 'string') throw new BadRequestException('refreshToken must be a string');
    // No try/catch: every refresh failure is an HttpException with its own status.
    return toResponse(await this.tokens.refresh(body.refreshToken, request));
  }
}

function toResponse(pair: TokenPair): TokenResponse {
  return {
    accessToken: pair.accessToken.token,
    refreshToken: pair.refreshToken.token,
    sessionId: pair.sessionId,
    expiresAt: pair.accessToken.expiresAt.toISOString(),
  };
}
