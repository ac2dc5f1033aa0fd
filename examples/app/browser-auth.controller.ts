import { Body, Controller, HttpCode, HttpStatus, Inject, Post, Req, Res, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { BrowserSessionService, BrowserSessionTokens, Public, SameOriginGuard, TokenTrackingService } from '../../src/index.js';
import { DemoUsers } from './demo-users.js';
import { stringField } from './request-fields.js';

/**
 * The application's login for browser pages: the same password check as
 * `POST /auth/login`, but the refresh token goes into the HttpOnly cookie and
 * only the access token into the body. The library's own routes next to it
 * (`/auth/browser/refresh`, `/auth/browser/logout`) take over from there.
 */
@ApiTags('auth')
@Controller('auth/browser')
export class BrowserAuthController {
  constructor(
    @Inject(TokenTrackingService) private readonly tokens: TokenTrackingService,
    @Inject(BrowserSessionService) private readonly browserSessions: BrowserSessionService,
    @Inject(DemoUsers) private readonly users: DemoUsers,
  ) {}

  /** Refused (403) when it does not come from this application's own pages: no other site can sign a visitor in. */
  @Public()
  @UseGuards(SameOriginGuard)
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiBody({ schema: { properties: { username: { type: 'string' }, password: { type: 'string' } } } })
  @ApiOkResponse({ description: 'An access token; the refresh token is set as an HttpOnly cookie' })
  async login(@Body() body: unknown, @Req() request: Request, @Res({ passthrough: true }) response: unknown): Promise<BrowserSessionTokens> {
    const user = this.users.verify(stringField(body, 'username'), stringField(body, 'password'));
    if (!user) {
      throw new UnauthorizedException({ statusCode: 401, code: 'INVALID_CREDENTIALS', message: 'wrong username or password', error: 'Unauthorized' });
    }
    const pair = await this.tokens.generateTokenPair(user.id, { username: user.username, role: user.role }, request);
    return this.browserSessions.signIn(request, response, pair);
  }
}
