import { SessionsEvictedEvent, TokenRevokedError, TokenTrackingEvents } from '../src/index.js';
import { useTokenTracking } from './support/token-tracking-app.js';

describe('the evict-oldest policy', () => {

  const fixture = useTokenTracking({ maxUserSessions: 3, sessionLimitPolicy: 'evict-oldest' });

  it('revokes the oldest session to admit a new one, and says which', async () => {
    const logins = [];
    for (let n = 0; n < 5; n++) logins.push(await fixture.app.tokens.generateToken('evict-user'));
    expect(await fixture.app.tokens.getUserSessionCount('evict-user')).toBe(3);
    expect((await fixture.app.tokens.getUserSessions('evict-user')).map((s) => s.sessionId)).toEqual(logins.slice(2).map((t) => t.sessionId));
    for (const evicted of logins.slice(0, 2)) {
      await expect(fixture.app.tokens.parseToken(evicted.token)).rejects.toBeInstanceOf(TokenRevokedError);
    }
    const evictions = fixture.app.events.filter((event) => event.name === TokenTrackingEvents.EVICTED).map((event) => event.payload);
    expect(evictions).toEqual([
      new SessionsEvictedEvent('evict-user', [logins[0]!.sessionId], logins[3]!.sessionId, logins[3]!.issuedAt),
      new SessionsEvictedEvent('evict-user', [logins[1]!.sessionId], logins[4]!.sessionId, logins[4]!.issuedAt),
    ]);
  });

  it('holds the cap exactly under 50 concurrent logins, and every login succeeds', async () => {
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => fixture.app.tokens.generateToken('evict-race-user')));
    expect(results.filter((result) => result.status === 'fulfilled').length).toBe(50);
    const rows = await fixture.db.query<{ active: number; evicted: number }>(`
      SELECT count(*) FILTER (WHERE revoked_at IS NULL)::int AS active,
             count(*) FILTER (WHERE revoked_reason = 'evicted')::int AS evicted
        FROM token_sessions WHERE user_id = 'evict-race-user'`);
    expect(rows[0]).toEqual({ active: 3, evicted: 47 });
    // A session's seq is drawn when it is recorded, under the user's lock:
    // the survivors are the last three recorded exactly when theirs are the
    // three highest.
    const sessions = await fixture.db.query<{ seq: string; active: boolean }>(`
      SELECT seq::text, revoked_at IS NULL AS active FROM token_sessions WHERE user_id = 'evict-race-user'`);
    const highest = sessions.map((row) => BigInt(row.seq)).sort((a, b) => (a < b ? 1 : -1)).slice(0, 3);
    const survivors = sessions.filter((row) => row.active).map((row) => BigInt(row.seq)).sort((a, b) => (a < b ? 1 : -1));
    expect(survivors).toEqual(highest);
  });

  it('evicts a whole token pair as one session', async () => {
    const pair = await fixture.app.tokens.generateTokenPair('evict-pair-user');
    for (let n = 0; n < 3; n++) await fixture.app.tokens.generateToken('evict-pair-user');
    await expect(fixture.app.tokens.refresh(pair.refreshToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
    await expect(fixture.app.tokens.parseToken(pair.accessToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
  });
});
