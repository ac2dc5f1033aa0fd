import { describeDevice, DeviceDescription } from '../dashboard/device.js';
import { TrackedSession } from '../store/tracked-session.js';

/** One active session, as the session routes return it. (OpenAPI descriptions: see `openapi.ts`.) */
export class SessionDto {
  sessionId!: string;
  userId!: string;
  createdAt!: string;
  lastActiveAt!: string;
  expiresAt!: string;
  idleExpiresAt!: string | null;
  absoluteExpiresAt!: string | null;
  clientIp!: string | null;
  userAgent!: string | null;
  /** The browser, OS and kind of device the User-Agent names. */
  device!: DeviceDescription;
  /** True for the session making this request (self-service listing only). */
  current?: boolean;

  static from(session: TrackedSession, currentSessionId?: string): SessionDto {
    return {
      sessionId: session.sessionId,
      userId: session.userId,
      createdAt: session.createdAt.toISOString(),
      lastActiveAt: session.lastActiveAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      idleExpiresAt: session.idleExpiresAt?.toISOString() ?? null,
      absoluteExpiresAt: session.absoluteExpiresAt?.toISOString() ?? null,
      clientIp: session.clientIp,
      userAgent: session.userAgent,
      device: describeDevice(session.userAgent),
      ...(currentSessionId === undefined ? {} : { current: session.sessionId === currentSessionId }),
    };
  }
}

export class SessionListDto {
  userId!: string;
  /** All active sessions of the user, whatever the page. */
  count!: number;
  /** Oldest first. */
  sessions!: SessionDto[];
}

export class RevokedCountDto {
  /** How many live sessions were revoked. */
  revoked!: number;
}

export class ErrorResponseDto {
  statusCode!: number;
  /** Stable, machine-readable. */
  code!: string;
  message!: string;
  error!: string;
}
