import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TrackedSession } from '../store/tracked-session.js';

/** One active session, as the session endpoints return it. */
export class SessionDto {
  @ApiProperty({
    description: 'Session id: the jti of a token issued alone, or the `sid` shared by an access/refresh pair',
    example: 'QJtiI50aflavEil5hIRf3gwcTTuUBgx2O8SS4kVkSjA',
  })
  sessionId!: string;

  @ApiProperty()
  userId!: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the session began' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'When its last active token expires' })
  expiresAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last authenticated request (recorded at most once per interval)' })
  lastUsedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' })
  clientIp!: string | null;

  @ApiProperty({ type: String, nullable: true })
  userAgent!: string | null;

  @ApiPropertyOptional({ description: 'True for the session making this request (self-service listing only)' })
  current?: boolean;

  static from(session: TrackedSession, currentSessionId?: string): SessionDto {
    return {
      sessionId: session.sessionId,
      userId: session.userId,
      createdAt: session.createdAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      lastUsedAt: session.lastUsedAt?.toISOString() ?? null,
      clientIp: session.clientIp,
      userAgent: session.userAgent,
      ...(currentSessionId === undefined ? {} : { current: session.sessionId === currentSessionId }),
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
