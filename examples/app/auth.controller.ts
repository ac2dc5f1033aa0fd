import { Body, Controller, HttpCode, HttpStatus, Inject, Post, Req, UnauthorizedException } from '@nestjs/common';
import { ApiBody, ApiConflictResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { InvalidArgumentError, Public, TokenTrackingService } from '../../src/index.js';
import { DemoUsers } from './demo-users.js';

interface LoginResponse {
  accessToken: string;
  tokenType: 'Bearer';
  expiresAt: string;
}

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(TokenTrackingService) private readonly tokens: TokenTrackingService,
    @Inject(DemoUsers) private readonly users: DemoUsers,
  ) {}

  /** Issues a tracked token; past the session cap this is a 409 MAX_SESSIONS_EXCEEDED. */
  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiBody({ schema: { properties: { username: { type: 'string' }, password: { type: 'string' } } } })
  @ApiOkResponse({ description: 'A bearer token' })
  @ApiConflictResponse({ description: 'Too many active sessions (MAX_SESSIONS_EXCEEDED)' })
  async login(@Body() body: unknown, @Req() request: Request): Promise<LoginResponse> {
    const { username, password } = (body ?? {}) as Record<string, unknown>;
    if (typeof username !== 'string' || typeof password !== 'string') {
      throw new InvalidArgumentError('body must be JSON with string fields "username" and "password"');
    }
    const user = this.users.verify(username, password);
    if (!user) {
      throw new UnauthorizedException({
        statusCode: 401,
        code: 'INVALID_CREDENTIALS',
        message: 'wrong username or password',
        error: 'Unauthorized',
      });
    }
    const issued = await this.tokens.generateToken(user.id, { username: user.username, role: user.role }, request);
    return { accessToken: issued.token, tokenType: 'Bearer', expiresAt: issued.expiresAt.toISOString() };
  }
}
