import pg from 'pg';
import { PrismaTokenStore, RotationRequest, SessionIdleTimeoutError, TokenStore } from '../src/index.js';
import { IdleSessionSweeper } from '../src/lifecycle/idle-session-sweeper.js';
import { SessionActivityRecorder } from '../src/lifecycle/session-activity-recorder.js';
import { eventually } from './support/eventually.js';
import { useExampleApp } from './support/http-app.js';
import { interceptMethod } from './support/intercept-method.js';
import { ManualClock } from './support/manual-clock.js';
import { recordingTokenStore } from './support/recording-token-store.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TokenTrackingApp } from './support/token-tracking-app.js';

const IDLE_SECONDS = 600;
const IDLE_MS = IDLE_SECONDS * 1000;

describe('a session used after its idle deadline, from outside (HTTP, maxUserSessions: 1)', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 8));
  const fixture = useExampleApp({
    tokenTracking: { clock: clock.now, sessionIdleTimeout: IDLE_SECONDS, lastUsedIntervalSeconds: 60, maxUserSessions: 1, expiresIn: 3_600 },
  });
  const login = async (): Promise<{ accessToken: string; refreshToken: string }> => {
    const response = await fixture.running.request('POST', '/auth/login', { body: { username: 'alice', password: 'alice-password' } });
    expect(response.status).toBe(200);
    return response.body;
  };
  const activeSessions = async () =>
    (await fixture.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM token_sessions WHERE revoked_at IS NULL AND last_active_at > $1',
      [new Date(clock.now() - IDLE_MS)],
    ))[0]!.count;

  it('stays over in every round: refused, not recorded as used, not listed, not refreshed, so the user never holds two', async () => {
    const recorder = fixture.running.app.get(SessionActivityRecorder, { strict: false });
    let previous = await login();
    for (let round = 0; round < 8; round++) {
      // Exactly at the previous session's deadline: it is over, so a new login fits under the cap.
      clock.advance(IDLE_MS);
      const current = await login();
      const late = await fixture.running.request('GET', '/profile', { token: previous.accessToken });
      await recorder.flush();
      expect({ round, active: await activeSessions() }).toEqual({ round, active: 1 });
      const listed = await fixture.running.request('GET', '/auth/sessions', { token: current.accessToken });
      expect({ round, listed: listed.body.sessions.length }).toEqual({ round, listed: 1 });
      expect({ round, status: late.status, code: late.body.code }).toEqual({ round, status: 401, code: 'SESSION_IDLE_TIMEOUT' });
      const refreshed = await fixture.running.request('POST', '/auth/refresh', { body: { refreshToken: previous.refreshToken } });
      expect({ round, status: refreshed.status, code: refreshed.body.code }).toEqual({ round, status: 401, code: 'SESSION_IDLE_TIMEOUT' });
      // Used again later, after the late use ended it: still the same answer.
      const again = await fixture.running.request('GET', '/profile', { token: previous.accessToken });
      expect({ round, code: again.body.code }).toEqual({ round, code: 'SESSION_IDLE_TIMEOUT' });
      previous = current;
    }
  });

  it('accepts a request a millisecond before the deadline and keeps the session alive by it', async () => {
    await fixture.db.query('UPDATE token_sessions SET revoked_at = now(), revoked_reason = $1 WHERE revoked_at IS NULL', ['test-reset']);
    const session = await login();
    clock.advance(IDLE_MS - 1);
    expect((await fixture.running.request('GET', '/profile', { token: session.accessToken })).status).toBe(200);
    await fixture.running.app.get(SessionActivityRecorder, { strict: false }).flush();
    clock.advance(IDLE_MS - 1);
    expect((await fixture.running.request('GET', '/profile', { token: session.accessToken })).status).toBe(200);
    expect(await activeSessions()).toBe(1);
  });
});

describe('recording last use with an idle deadline (the store)', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 9));
  let db: TestDatabase;
  let app: TokenTrackingApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTokenTracking(db.prisma, { clock: clock.now, sessionIdleTimeout: IDLE_SECONDS });
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  const idle = () => ({ timeoutMs: IDLE_MS, stamp: { at: new Date(clock.now()), reason: 'idle-timeout', expiredBy: new Date(clock.now()) } });
  const rowOf = async (sessionId: string) =>
    (await db.query<{ last_active_at: Date; revoked_reason: string | null }>(
      'SELECT last_active_at, revoked_reason FROM token_sessions WHERE session_id = $1', [sessionId]))[0]!;

  it('never moves a deadline that has passed, and ends that session as idle right then', async () => {
    const store = new PrismaTokenStore(db.prisma);
    const late = await app.tokens.generateToken('late-user');
    const inTime = await app.tokens.generateToken('late-user');
    const startedAt = clock.now();
    clock.advance(IDLE_MS);
    const ended = await store.recordActivity([
      { sessionId: late.sessionId, at: new Date(clock.now()) },
      { sessionId: inTime.sessionId, at: new Date(clock.now() - 1) },
    ], idle());
    expect(ended).toEqual({ sessions: [{ sessionId: late.sessionId, userId: 'late-user' }], recordedElsewhere: [] });
    expect(await rowOf(late.sessionId)).toEqual({ last_active_at: new Date(startedAt), revoked_reason: 'idle-timeout' });
    expect(await rowOf(inTime.sessionId)).toEqual({ last_active_at: new Date(clock.now() - 1), revoked_reason: null });
    expect(await app.tokens.getUserSessionCount('late-user')).toBe(1);
  });

  it('through the recorder: a late use ends the session, announced as the idle sweep announces it', async () => {
    const recorder = app.get<SessionActivityRecorder>(SessionActivityRecorder);
    const token = await app.tokens.generateToken('late-recorder-user');
    clock.advance(IDLE_MS + 1);
    app.events.length = 0;
    recorder.touch(token.sessionId);
    await recorder.flush();
    expect((await rowOf(token.sessionId)).revoked_reason).toBe('idle-timeout');
    expect(app.events.map((event) => event.payload)).toEqual([
      expect.objectContaining({ userId: 'late-recorder-user', scope: 'session', sessionIds: [token.sessionId], reason: 'idle-timeout' }),
    ]);
    await expect(app.tokens.parseToken(token.token)).rejects.toBeInstanceOf(SessionIdleTimeoutError);
  });
});

describe('the guard\'s idle check across instances', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 10));
  let db: TestDatabase;
  let checking: TokenTrackingApp;
  let using: TokenTrackingApp;
  let calls: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    let store: TokenStore;
    ({ store, calls } = recordingTokenStore(new PrismaTokenStore(db.prisma)));
    checking = await startTokenTracking(undefined, { store, clock: clock.now, sessionIdleTimeout: IDLE_SECONDS });
    using = await startTokenTracking(db.connectAnotherClient(), { clock: clock.now, sessionIdleTimeout: IDLE_SECONDS });
  });

  afterAll(async () => {
    await Promise.all([checking?.close(), using?.close()]);
    await db?.dispose();
  });

  it('trusts a young token and another instance\'s recorded use, reads a last use only when its own knowledge cannot tell, and refuses at the deadline', async () => {
    const token = await using.tokens.generateToken('roaming-user');
    const usingRecorder = using.get<SessionActivityRecorder>(SessionActivityRecorder);
    // A token younger than the timeout proves its session alive: its iat is a recorded use.
    calls.length = 0;
    clock.advance(IDLE_MS - 1_000);
    await expect(checking.tokens.parseToken(token.token)).resolves.toMatchObject({ sessionId: token.sessionId });
    expect(calls).not.toContain('lastActiveAtOf');
    clock.advance(-(IDLE_MS - 1_000));

    clock.advance(IDLE_MS / 2);
    usingRecorder.touch(token.sessionId);
    await usingRecorder.flush();
    const lastUse = clock.now();

    // Past the login's deadline, within the one the other instance's use set.
    clock.advance(IDLE_MS / 2 + 1_000);
    calls.length = 0;
    await expect(checking.tokens.parseToken(token.token)).resolves.toMatchObject({ sessionId: token.sessionId });
    await expect(checking.tokens.parseToken(token.token)).resolves.toMatchObject({ sessionId: token.sessionId });
    // One read, then what was read answers: a recorded last use never moves back.
    expect(calls.filter((call) => call === 'lastActiveAtOf')).toHaveLength(1);

    clock.advance(lastUse + IDLE_MS - 1 - clock.now());
    await expect(checking.tokens.parseToken(token.token)).resolves.toBeDefined();
    clock.advance(1);
    await expect(checking.tokens.parseToken(token.token)).rejects.toBeInstanceOf(SessionIdleTimeoutError);
    // The refusal ends the session at the next write; the other instance then refuses it too, with the same code.
    await checking.get<SessionActivityRecorder>(SessionActivityRecorder).flush();
    await expect(using.tokens.parseToken(token.token)).rejects.toBeInstanceOf(SessionIdleTimeoutError);
    const [row] = await db.query<{ revoked_reason: string }>('SELECT revoked_reason FROM token_sessions WHERE session_id = $1', [token.sessionId]);
    expect(row?.revoked_reason).toBe('idle-timeout');
  });
});

describe('a refresh racing the idle sweep', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 11));
  let db: TestDatabase;
  let app: TokenTrackingApp;
  /** Runs between the refresh's revocation check and its rotation, when set. */
  let beforeRotation: (() => Promise<unknown>) | null = null;

  beforeAll(async () => {
    db = await createTestDatabase();
    const inner = new PrismaTokenStore(db.prisma);
    const store = interceptMethod(inner, 'rotateRefreshToken', (rotateRefreshToken) => async (request: RotationRequest) => {
      await beforeRotation?.();
      return rotateRefreshToken(request);
    });
    app = await startTokenTracking(undefined, { store, clock: clock.now, sessionIdleTimeout: IDLE_SECONDS });
  });

  afterEach(() => {
    beforeRotation = null;
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  const sweep = () => app.get<IdleSessionSweeper>(IdleSessionSweeper).sweep();

  it('answers SESSION_IDLE_TIMEOUT when the sweep commits between its revocation check and its rotation', async () => {
    const pair = await app.tokens.generateTokenPair('raced-user');
    clock.advance(IDLE_MS + 1);
    const revokedAt = async () => (await db.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM token_sessions WHERE session_id = $1', [pair.sessionId]))[0]?.revoked_at;
    const seen: Array<Date | null | undefined> = [];
    beforeRotation = async () => {
      seen.push(await revokedAt());
      await sweep();
      seen.push(await revokedAt());
    };
    await expect(app.tokens.refresh(pair.refreshToken.token)).rejects.toBeInstanceOf(SessionIdleTimeoutError);
    // Unrevoked when the rotation was about to start, revoked by the sweep before it did.
    expect(seen).toEqual([null, expect.any(Date)]);
  });

  it('answers SESSION_IDLE_TIMEOUT when the sweep commits while the refresh waits for the session\'s lock', async () => {
    const pair = await app.tokens.generateTokenPair('waiting-user');
    clock.advance(IDLE_MS + 1);
    const sweeper = new pg.Client({ connectionString: db.url });
    await sweeper.connect();
    try {
      await sweeper.query('BEGIN');
      await sweeper.query('SELECT 1 FROM token_sessions WHERE session_id = $1 FOR UPDATE', [pair.sessionId]);
      const refreshed = app.tokens.refresh(pair.refreshToken.token).then(() => 'rotated', (error: unknown) => error);
      await eventually(async () => {
        const [waiting] = await db.query<{ count: number }>(
          "SELECT count(*)::int AS count FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()");
        expect(waiting?.count).toBe(1);
      }, 10_000);
      await sweeper.query("SELECT * FROM token_tracking_revoke_sessions(ARRAY[$1]::varchar[], now(), 'idle-timeout')", [pair.sessionId]);
      await sweeper.query('COMMIT');
      expect(await refreshed).toBeInstanceOf(SessionIdleTimeoutError);
    } finally {
      await sweeper.end();
    }
  });

  it('never answers anything else over many rounds of a real race', async () => {
    for (let round = 0; round < 15; round++) {
      const pairs = await Promise.all(Array.from({ length: 6 }, (_, n) => app.tokens.generateTokenPair(`racing-user-${round}-${n}`)));
      clock.advance(IDLE_MS + 1);
      const [, ...refreshes] = await Promise.allSettled([sweep(), ...pairs.map((pair) => app.tokens.refresh(pair.refreshToken.token))]);
      const codes = refreshes.map((result) => (result.status === 'rejected' ? (result.reason as { code?: string }).code : 'rotated'));
      expect({ round, codes }).toEqual({ round, codes: pairs.map(() => 'SESSION_IDLE_TIMEOUT') });
    }
  });
});
