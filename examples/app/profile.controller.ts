import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentSession, VerifiedToken } from '../../src/index.js';

@ApiTags('example')
@Controller()
export class ProfileController {
  /** Protected by the global TrackedJwtGuard. */
  @ApiBearerAuth()
  @Get('profile')
  profile(@CurrentSession() session: VerifiedToken) {
    return {
      userId: session.userId,
      username: session.data.username,
      role: session.data.role,
      sessionId: session.sessionId,
      jti: session.jti,
      expiresAt: session.expiresAt.toISOString(),
    };
  }

}
