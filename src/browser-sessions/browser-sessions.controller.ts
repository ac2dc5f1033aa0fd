import { Controller, Header, HttpCode, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import { Public } from '../http/public.decorator.js';
import { BrowserRequest, BrowserSessionService, BrowserSessionTokens } from './browser-session.service.js';

/**
 * The routes the refresh cookie authenticates (with `browserSessions`,
 * default prefix `auth/browser`). Public to `TrackedJwtGuard`: the cookie,
 * not a bearer token, authenticates them, and each refuses requests from
 * other origins before reading it.
 */
@Public()
@Controller()
export class BrowserSessionsController {
  constructor(@Inject(BrowserSessionService) private readonly browserSessions: BrowserSessionService) {}

  /** A new access token for the page, and the next refresh cookie. */
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  refresh(@Req() request: BrowserRequest, @Res({ passthrough: true }) response: unknown): Promise<BrowserSessionTokens> {
    return this.browserSessions.refresh(request, response);
  }

  /** Ends this browser's session and deletes its cookie. */
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  signOut(@Req() request: BrowserRequest, @Res({ passthrough: true }) response: unknown): Promise<void> {
    return this.browserSessions.signOut(request, response);
  }
}
