import { PrismaTokenStore, TokenStore, TokensRevokedEvent, TokenTrackingEvents, TokenIssuedEvent } from '../src/index.js';
import { SessionActivityRecorder } from '../src/lifecycle/session-activity-recorder.js';
import { ManualClock } from './support/manual-clock.js';
import { recordingTokenStore } from './support/recording-token-store.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { useExampleApp } from './support/http-app.js';
import { startTokenTracking, TokenTrackingApp } from './support/token-tracking-app.js';

describe('last use of a session', () => {
  let db: TestDatabase;
  let app: TokenTrackingApp;
  let calls: string[];
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 9));

  beforeAll(async () => {
    db = await createTestDatabase();
    let store: TokenStore;
    ({ store, calls } = recordingTokenStore(new PrismaTokenStore(db.prisma)));
    app = await startTokenTracking(undefined, { store, clock: clock.now, lastUsedIntervalSeconds: 60 });
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  it('is written at most once per interval per session, in batches, off the caller', async () => {
    const recorder = app.get<SessionActivityRecorder>(SessionActivityRecorder);
    const first = await app.tokens.generateToken('active-user');
    const second = await app.tokens.generateToken('active-user');
    calls.length = 0;
    recorder.touch(first.sessionId);
    recorder.touch(second.sessionId);
    clock.advance(30_000);
    recorder.touch(first.sessionId);
    expect(calls).toEqual([]);
    await recorder.flush();
    expect(calls).toEqual(['recordActivity']);
    const [session] = await app.tokens.getUserSessions('active-user');
    expect(session?.lastActiveAt.getTime()).toBe(clock.now() - 30_000);

    clock.advance(30_000);
    recorder.touch(first.sessionId);
    await recorder.flush();
    const lastUse = new Map((await app.tokens.getUserSessions('active-user')).map((s) => [s.sessionId, s.lastActiveAt.getTime()]));
    expect(lastUse.get(first.sessionId)).toBe(clock.now());
    expect(lastUse.get(second.sessionId)).toBe(clock.now() - 60_000);
    expect(calls).toEqual(['recordActivity', 'listActiveSessions', 'recordActivity', 'listActiveSessions']);
  });

  it('leaves alone a use within the interval of the recorded last use, and returns that last use', async () => {
    const token = await app.tokens.generateToken('interval-user');
    const lastUse = async () => (await app.tokens.getUserSessions('interval-user'))[0]?.lastActiveAt.getTime();
    const use = (afterMs: number) => app.store.recordActivity([{ sessionId: token.sessionId, at: new Date(clock.now() + afterMs) }], undefined, 60_000);
    // The session's start is not a recorded use: its first use is written, however soon.
    expect(await use(1_000)).toEqual({ sessions: [], recordedElsewhere: [] });
    expect(await lastUse()).toBe(clock.now() + 1_000);

    expect(await use(60_999)).toEqual({ sessions: [], recordedElsewhere: [{ sessionId: token.sessionId, at: new Date(clock.now() + 1_000) }] });
    expect(await lastUse()).toBe(clock.now() + 1_000);

    expect(await use(61_000)).toEqual({ sessions: [], recordedElsewhere: [] });
    expect(await lastUse()).toBe(clock.now() + 61_000);
  });

  it('writes a session once per interval across instances, the next write due an interval after the one another instance made', async () => {
    const other = await startTokenTracking(undefined, { store: new PrismaTokenStore(db.connectAnotherClient()), clock: clock.now, lastUsedIntervalSeconds: 60 });
    try {
      const here = app.get<SessionActivityRecorder>(SessionActivityRecorder);
      const there = other.get<SessionActivityRecorder>(SessionActivityRecorder);
      const token = await app.tokens.generateToken('fleet-user');
      const lastUse = async () => (await app.tokens.getUserSessions('fleet-user'))[0]?.lastActiveAt.getTime();
      clock.advance(60_000);
      here.touch(token.sessionId);
      await here.flush();
      const writtenHere = clock.now();
      expect(await lastUse()).toBe(writtenHere);

      clock.advance(20_000);
      there.touch(token.sessionId);
      await there.flush();
      expect(await lastUse()).toBe(writtenHere);
      expect(there.recordedUseMs(token.sessionId)).toBe(writtenHere);

      // An interval after the write made here, not after the use seen there.
      clock.advance(40_000);
      there.touch(token.sessionId);
      await there.flush();
      expect(await lastUse()).toBe(clock.now());
    } finally {
      await other.close();
    }
  });

  it('never moves a last-use time backwards (another instance may have written a later one)', async () => {
    const token = await app.tokens.generateToken('monotonic-user');
    await app.store.recordActivity([{ sessionId: token.sessionId, at: new Date(clock.now() + 5_000) }]);
    await app.store.recordActivity([{ sessionId: token.sessionId, at: new Date(clock.now()) }]);
    const [session] = await app.tokens.getUserSessions('monotonic-user');
    expect(session?.lastActiveAt.getTime()).toBe(clock.now() + 5_000);
  });
});

describe('last use through the guard', () => {

  const fixture = useExampleApp();

  it('is recorded after an authenticated request; before, the session was last active when it began', async () => {
    const token = await fixture.running.login('alice');
    const before = await fixture.running.request('GET', '/auth/sessions', { token });
    expect(before.body.sessions[0].lastActiveAt).toBe(before.body.sessions[0].createdAt);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await fixture.running.request('GET', '/profile', { token });
    await fixture.running.app.get(SessionActivityRecorder, { strict: false }).flush();
    const after = await fixture.running.request('GET', '/auth/sessions', { token });
    expect(Date.parse(after.body.sessions[0].lastActiveAt)).toBeGreaterThan(Date.parse(after.body.sessions[0].createdAt));
  });
});

describe('lifecycle events', () => {
  it('carry typed payloads for issuance and revocations, with reason and actor', async () => {
    const db = await createTestDatabase();
    const app = await startTokenTracking(db.prisma);
    try {
      const issued = await app.tokens.generateToken('evented-user', {}, { clientIp: '192.0.2.1', userAgent: 'ua' });
      await app.tokens.revokeToken(issued.jti, { reason: 'password-change', actor: 'admin-7' });
      const other = await app.tokens.generateToken('evented-user');
      await app.tokens.revokeAllUserTokens('evented-user', { actor: 'security-team' });
      expect(app.events.map((event) => event.name)).toEqual([
        TokenTrackingEvents.ISSUED, TokenTrackingEvents.REVOKED, TokenTrackingEvents.ISSUED, TokenTrackingEvents.REVOKED,
      ]);
      expect(app.events[0]?.payload).toEqual(new TokenIssuedEvent(
        'evented-user', issued.sessionId, [issued.jti], issued.issuedAt, issued.expiresAt, '192.0.2.1', 'ua',
      ));
      expect(app.events[1]?.payload).toEqual(expect.objectContaining({
        userId: 'evented-user', scope: 'session', sessionIds: [issued.sessionId], reason: 'password-change', actor: 'admin-7',
      }));
      expect(app.events[1]?.payload).toBeInstanceOf(TokensRevokedEvent);
      expect(app.events[3]?.payload).toEqual(expect.objectContaining({
        scope: 'all', sessionIds: [other.sessionId], reason: 'revoke-all', actor: 'security-team',
      }));
    } finally {
      await app.close();
      await db.dispose();
    }
  });

  it('are skipped without an event emitter, and a throwing listener does not break the operation', async () => {
    const db = await createTestDatabase();
    const app = await startTokenTracking(db.prisma);
    try {
      const { EventEmitter2 } = await import('@nestjs/event-emitter');
      app.get<InstanceType<typeof EventEmitter2>>(EventEmitter2).on(TokenTrackingEvents.ISSUED, () => {
        throw new Error('listener bug');
      });
      await expect(app.tokens.generateToken('listener-user')).resolves.toBeDefined();
      expect(await app.tokens.getUserSessionCount('listener-user')).toBe(1);
    } finally {
      await app.close();
      await db.dispose();
    }
  });
});
