import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TrackedSession } from '../store/tracked-session.js';

/** One active session, as the session endpoints return it. */
export class SessionDto {
  @ApiProperty({ description: 'Token id (jti)', example: 'QJtiI50aflavEil5hIRf3gwcTTuUBgx2O8SS4kVkSjA' })
  jti!: string;

  @ApiProperty()
  userId!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  issuedAt!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' })
  clientIp!: string | null;

  @ApiProperty({ type: String, nullable: true })
  userAgent!: string | null;

  @ApiPropertyOptional({ description: 'True for the session making this request (self-service listing only)' })
  current?: boolean;

  static from(session: TrackedSession, currentJti?: string): SessionDto {
    return {
      jti: session.jti,
      userId: session.userId,
      issuedAt: session.issuedAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      clientIp: session.clientIp,
      userAgent: session.userAgent,
      ...(currentJti === undefined ? {} : { current: session.jti === currentJti }),
    };
  }
}

export class SessionListDto {
  @ApiProperty()
  userId!: string;

  @ApiProperty({ description: 'All active sessions of the user, whatever the page' })
  count!: number;

  @ApiProperty({ type: [SessionDto], description: 'Oldest first' })
  sessions!: SessionDto[];
}

export class RevokedCountDto {
  @ApiProperty({ description: 'How many active sessions were revoked' })
  revoked!: number;
}

export class ErrorResponseDto {
  @ApiProperty({ example: 401 })
  statusCode!: number;

  @ApiProperty({ example: 'TOKEN_REVOKED', description: 'Stable error code' })
  code!: string;

  @ApiProperty({ example: 'token is already revoked' })
  message!: string;

  @ApiProperty({ example: 'Unauthorized' })
  error!: string;
}
