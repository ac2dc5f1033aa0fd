import { PageRequest } from '../store/token-store.interface.js';
import { TokenTrackingService } from '../token-tracking.service.js';
import { SessionDto, SessionListDto } from './session.dto.js';

/** A page of a user's active sessions with their total count, for both session controllers. */
export async function loadSessionList(
  tokens: TokenTrackingService,
  userId: string,
  page: PageRequest,
  currentSessionId?: string,
): Promise<SessionListDto> {
  const [count, sessions] = await Promise.all([tokens.getUserSessionCount(userId), tokens.getUserSessions(userId, page)]);
  return { userId, count, sessions: sessions.map((session) => SessionDto.from(session, currentSessionId)) };
}
