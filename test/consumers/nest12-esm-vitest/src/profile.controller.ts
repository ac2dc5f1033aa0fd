import { Controller, Get, UseGuards } from '@nestjs/common';
import { CurrentSession, TrackedJwtGuard } from 'nestjs-token-tracking';
import type { VerifiedToken } from 'nestjs-token-tracking';

@Controller('profile')
export class ProfileController {
  @UseGuards(TrackedJwtGuard)
  @Get()
  profile(@CurrentSession() session: VerifiedToken<{ role: string }>) {
    return { userId: session.userId, role: session.data.role, sessionId: session.sessionId };
  }
}
