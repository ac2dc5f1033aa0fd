import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { BrowserSessionService } from './browser-session.service.js';
import { OriginCheckedRequest } from './same-origin-check.js';

/**
 * `@UseGuards(SameOriginGuard)` on the application's own login route (with
 * `browserSessions`): a login from another origin is refused with 403
 * before the password is even checked, so that no other site can sign a
 * visitor's browser into an account of its choosing (login CSRF).
 */
@Injectable()
export class SameOriginGuard implements CanActivate {
  constructor(@Inject(BrowserSessionService) private readonly browserSessions: BrowserSessionService) {}

  canActivate(context: ExecutionContext): boolean {
    this.browserSessions.refuseCrossOriginRequest(context.switchToHttp().getRequest<OriginCheckedRequest>());
    return true;
  }
}
