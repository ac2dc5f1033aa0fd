import {
  MaxSessionsExceededError,
  SessionExpiredError,
  SessionIdleTimeoutError,
  TokenRevokedError,
} from '../src/index.js';
import { IdleSessionSweeper, idleSweepIntervalMs } from '../src/lifecycle/idle-session-sweeper.js';
import { SessionActivityRecorder } from '../src/lifecycle/session-activity-recorder.js';
import { ManualClock } from './support/manual-clock.js';
import { useTokenTracking } from './support/token-tracking-app.js';

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

describe('an absolute session lifetime (sessionMaxLifetime)', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 8));
  const fixture = useTokenTracking({ clock: clock.now, sessionMaxLifetime: 3_600, expiresIn: 900, refreshExpiresIn: 86_400 });

  it('bounds every token of the session, however often it is refreshed, and then fails with its own code', async () => {
    const { tokens } = fixture.app;
    const login = await tokens.generateTokenPair('lifetime-user');
    const end = login.accessToken.issuedAt.getTime() + 3_600_000;
    expect(login.refreshToken.expiresAt.getTime()).toBe(end);
    expect(claimsOf(login.refreshToken.token).auth_time * 1000).toBe(login.accessToken.issuedAt.getTime());
    const [listed] = await tokens.getUserSessions('lifetime-user');
    expect(listed).toMatchObject({ absoluteExpiresAt: new Date(end), expiresAt: new Date(end), idleExpiresAt: null });

    let current = login;
    for (let step = 0; step < 3; step++) {
      clock.advance(1_000_000);
      current = await tokens.refresh(current.refreshToken.token);
      expect(current.refreshToken.expiresAt.getTime()).toBeLessThanOrEqual(end);
      expect(current.accessToken.expiresAt.getTime()).toBeLessThanOrEqual(end);
    }
    clock.advance(end - clock.now());
    await expect(tokens.refresh(current.refreshToken.token)).rejects.toBeInstanceOf(SessionExpiredError);
    await expect(tokens.parseToken(current.accessToken.token)).rejects.toBeInstanceOf(SessionExpiredError);
    expect(await tokens.getUserSessionCount('lifetime-user')).toBe(0);
  });

  it('stops counting an old session toward the cap the moment it reaches its end', async () => {
    const { tokens } = fixture.app;
    await tokens.generateTokenPair('old-session-user');
    clock.advance(3_599_999);
    expect(await tokens.getUserSessionCount('old-session-user')).toBe(1);
    clock.advance(1);
    expect(await tokens.getUserSessionCount('old-session-user')).toBe(0);
  });

  it('answers SESSION_EXPIRED through the session\'s last second too, though exp is whole seconds', async () => {
    const { tokens } = fixture.app;
    // A login 700 ms into a second: the session ends at .700, its tokens' exp (whole seconds) at .000 before.
    // (Last of this block: the shared clock stays off whole seconds.)
    clock.advance(1_000 - (clock.now() % 1_000) + 700);
    const login = await tokens.generateTokenPair('last-second-user');
    clock.advance(3_600_000 - 2_000);
    const refreshed = await tokens.refresh(login.refreshToken.token);
    const end = login.accessToken.issuedAt.getTime() + 3_600_000;
    expect(refreshed.accessToken.expiresAt.getTime()).toBe(Math.floor(end / 1000) * 1000);
    clock.advance(end - 300 - clock.now());
    expect(clock.now()).toBeLessThan(end);
    expect(clock.now()).toBeGreaterThanOrEqual(refreshed.accessToken.expiresAt.getTime());
    await expect(tokens.parseToken(refreshed.accessToken.token)).rejects.toBeInstanceOf(SessionExpiredError);
    await expect(tokens.parseToken(login.accessToken.token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(tokens.refresh(refreshed.refreshToken.token)).rejects.toBeInstanceOf(SessionExpiredError);
  });
});

describe('an idle timeout (sessionIdleTimeout)', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 8));
  const fixture = useTokenTracking({ clock: clock.now, sessionIdleTimeout: 600, lastUsedIntervalSeconds: 60, expiresIn: 3_600 });

  it('keeps a used session alive, and ends an unused one: refused at refresh, dropped from the count at once', async () => {
    const { tokens } = fixture.app;
    const recorder = fixture.app.get<SessionActivityRecorder>(SessionActivityRecorder);
    const used = await tokens.generateTokenPair('idle-user');
    const unused = await tokens.generateTokenPair('idle-user');
    for (let minute = 0; minute < 15; minute++) {
      clock.advance(60_000);
      recorder.touch(used.sessionId);
      await recorder.flush();
    }
    expect(await tokens.getUserSessionCount('idle-user')).toBe(1);
    const [alive] = await tokens.getUserSessions('idle-user');
    expect(alive).toMatchObject({ sessionId: used.sessionId, idleExpiresAt: new Date(clock.now() + 600_000) });
    await expect(tokens.refresh(used.refreshToken.token)).resolves.toMatchObject({ sessionId: used.sessionId });
    await expect(tokens.refresh(unused.refreshToken.token)).rejects.toBeInstanceOf(SessionIdleTimeoutError);
    // Ending it at refresh revoked it: its access token is refused too, saying why.
    await expect(tokens.parseToken(unused.accessToken.token)).rejects.toBeInstanceOf(SessionIdleTimeoutError);
  });

  it('revokes idle sessions in the sweep, whose access tokens then say why they are refused', async () => {
    const { tokens } = fixture.app;
    const idle = await tokens.generateToken('swept-user');
    const busy = await tokens.generateToken('swept-user');
    clock.advance(300_000);
    const recorder = fixture.app.get<SessionActivityRecorder>(SessionActivityRecorder);
    recorder.touch(busy.sessionId);
    await recorder.flush();
    clock.advance(300_001);
    await fixture.app.get<IdleSessionSweeper>(IdleSessionSweeper).sweep();
    await expect(tokens.parseToken(idle.token)).rejects.toBeInstanceOf(SessionIdleTimeoutError);
    await expect(tokens.parseToken(busy.token)).resolves.toMatchObject({ sessionId: busy.sessionId });
    const [row] = await fixture.db.query<{ revoked_reason: string }>('SELECT revoked_reason FROM token_sessions WHERE session_id = $1', [idle.sessionId]);
    expect(row?.revoked_reason).toBe('idle-timeout');
  });

  it('refuses the refresh of a session the sweep ended with SESSION_IDLE_TIMEOUT, and a logged-out one with TOKEN_REVOKED', async () => {
    const { tokens } = fixture.app;
    const idle = await tokens.generateTokenPair('swept-refresh-user');
    const loggedOut = await tokens.generateTokenPair('swept-refresh-user');
    await tokens.revokeToken(loggedOut.accessToken.token);
    clock.advance(600_001);
    await fixture.app.get<IdleSessionSweeper>(IdleSessionSweeper).sweep();
    await expect(tokens.refresh(idle.refreshToken.token)).rejects.toBeInstanceOf(SessionIdleTimeoutError);
    await expect(tokens.refresh(loggedOut.refreshToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
    await expect(tokens.parseToken(loggedOut.accessToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
  });

  it('sweeps often enough for the timeout: a tenth of it, between 5 and 60 seconds', () => {
    expect([idleSweepIntervalMs(30), idleSweepIntervalMs(600), idleSweepIntervalMs(86_400)]).toEqual([5_000, 60_000, 60_000]);
    expect(idleSweepIntervalMs(120)).toBe(12_000);
  });
});

describe('sessions whose login answer never reached the client', () => {
  const fixture = useTokenTracking({ maxUserSessions: 2 });

  it('can be seen and ended after the user re-authenticates: the error lists them, and one login may evict', async () => {
    const { tokens } = fixture.app;
    // Two logins that were recorded, but whose answers were lost.
    const lost = [await tokens.generateTokenPair('unlucky-user'), await tokens.generateTokenPair('unlucky-user')];
    const refused = await tokens.generateTokenPair('unlucky-user').catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(MaxSessionsExceededError);
    expect((refused as MaxSessionsExceededError).activeSessions.map((session) => session.sessionId)).toEqual(lost.map((pair) => pair.sessionId));
    // Not sent to clients: the body has only the code.
    expect(JSON.stringify((refused as MaxSessionsExceededError).getResponse())).not.toContain(lost[0]!.sessionId);

    // The application, having checked the password again, lets this login end the oldest session.
    const admitted = await tokens.generateTokenPair('unlucky-user', {}, undefined, { sessionLimitPolicy: 'evict-oldest' });
    expect((await tokens.getUserSessions('unlucky-user')).map((session) => session.sessionId)).toEqual([lost[1]!.sessionId, admitted.sessionId]);
    await expect(tokens.refresh(lost[0]!.refreshToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
  });
});
