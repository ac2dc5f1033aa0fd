import { IdleSessionSweeper } from '../src/lifecycle/idle-session-sweeper.js';
import { SessionActivityRecorder } from '../src/lifecycle/session-activity-recorder.js';
import { SessionIdleTimeoutError } from '../src/index.js';
import { ManualClock } from './support/manual-clock.js';
import { useTokenTracking } from './support/token-tracking-app.js';

const BUCKET_MS = 600_000;

interface UpdateCounts {
  updated: number;
  hot: number;
}

/**
 * The idle sweep indexes last use in ten-minute steps. Recording a use
 * leaves the step behind (a HOT update, no index touched) until the sweep
 * could reach it, and only then moves it. Counted by PostgreSQL itself.
 */
describe('recording a session\'s last use', () => {
  // On a step boundary, so that the steps below are where the test says.
  const clock = new ManualClock(Math.ceil(Date.UTC(2026, 11, 7, 9) / BUCKET_MS) * BUCKET_MS);
  const fixture = useTokenTracking({ clock: clock.now, sessionIdleTimeout: 1_800, lastUsedIntervalSeconds: 60, expiresIn: 7_200 });

  /** token_sessions' update counters once they include `atLeast` updates: a backend reports its statistics when idle, up to 10 s later. */
  async function updateCounts(atLeast: number): Promise<UpdateCounts> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [row] = await fixture.db.query<{ updated: string; hot: string }>(
        `SELECT n_tup_upd AS updated, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE relname = 'token_sessions'`,
      );
      const counts = { updated: Number(row!.updated), hot: Number(row!.hot) };
      if (counts.updated >= atLeast || Date.now() > deadline) return counts;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** What the sweep did: parseToken alone would refuse an idle session's token by its deadline, swept or not. */
  async function revokedReasonOf(sessionId: string): Promise<string | null> {
    const [row] = await fixture.db.query<{ revoked_reason: string | null }>(
      'SELECT revoked_reason FROM token_sessions WHERE session_id = $1', [sessionId],
    );
    return row!.revoked_reason;
  }

  async function bucketOf(sessionId: string): Promise<number | null> {
    const [row] = await fixture.db.query<{ last_active_bucket: number | null }>(
      'SELECT last_active_bucket FROM token_sessions WHERE session_id = $1', [sessionId],
    );
    return row!.last_active_bucket;
  }

  it('updates no index while the session\'s step lags, and moves the step once the sweep could reach it', async () => {
    const { tokens } = fixture.app;
    const recorder = fixture.app.get<SessionActivityRecorder>(SessionActivityRecorder);
    const login = await tokens.generateToken('hot-user');
    const firstStep = clock.now() / BUCKET_MS;
    expect(await bucketOf(login.sessionId)).toBe(firstStep);
    const before = await updateCounts(0);

    // Three uses 61 s apart, within the login's step, and one in the next
    // step: each written in place, the step left behind.
    for (const gap of [61_000, 61_000, 61_000, BUCKET_MS]) {
      clock.advance(gap);
      recorder.touch(login.sessionId);
      await recorder.flush();
    }
    const lagging = await updateCounts(before.updated + 4);
    expect(lagging.updated - before.updated).toBe(4);
    expect(lagging.hot - before.hot).toBe(4);
    expect(await bucketOf(login.sessionId)).toBe(firstStep);

    // 30 minutes after the login, the sweep (cutoff: now less the 30-minute
    // timeout) would reach the login's step within two intervals: the write
    // moves the step to the use's, which no update can do in place.
    clock.advance(30 * 60_000 - 3 * 61_000 - BUCKET_MS);
    recorder.touch(login.sessionId);
    await recorder.flush();
    const moved = await updateCounts(lagging.updated + 1);
    expect(moved.updated - lagging.updated).toBe(1);
    expect(moved.hot - lagging.hot).toBe(0);
    expect(await bucketOf(login.sessionId)).toBe(firstStep + 3);
  }, 90_000);

  it('never lets the step get ahead of last use, whoever writes, and lets it lag behind', async () => {
    const login = await fixture.app.tokens.generateToken('previous-version-user');
    const loginStep = Math.floor(clock.now() / BUCKET_MS);
    const later = new Date(clock.now() + 3 * BUCKET_MS + 1_000);
    // As a previous version's statement writes last use: the step stays behind.
    await fixture.db.query('UPDATE token_sessions SET last_active_at = $2 WHERE session_id = $1', [login.sessionId, later]);
    expect(await bucketOf(login.sessionId)).toBe(loginStep);
    // A step ahead of last use, which could hide an idle session from the sweep, is pulled back.
    await fixture.db.query('UPDATE token_sessions SET last_active_bucket = $2 WHERE session_id = $1', [login.sessionId, loginStep + 100]);
    expect(await bucketOf(login.sessionId)).toBe(Math.floor(later.getTime() / BUCKET_MS));
    // A lower one is kept: it costs the sweep a read, nothing more.
    await fixture.db.query('UPDATE token_sessions SET last_active_bucket = 0 WHERE session_id = $1', [login.sessionId]);
    expect(await bucketOf(login.sessionId)).toBe(0);
  });

  it('sweeps an idle session and never one in use, however far the steps lag', async () => {
    const { tokens } = fixture.app;
    const recorder = fixture.app.get<SessionActivityRecorder>(SessionActivityRecorder);
    const sweeper = fixture.app.get<IdleSessionSweeper>(IdleSessionSweeper);
    clock.advance(BUCKET_MS - (clock.now() % BUCKET_MS));
    const loginStep = clock.now() / BUCKET_MS;
    const inUse = await tokens.generateToken('lag-user');
    const quiet = await tokens.generateToken('lag-user');
    const idle = await tokens.generateToken('lag-user');
    // Both used every five minutes for 25 minutes, a sweep after each: the steps stay at the login's.
    for (let use = 0; use < 5; use++) {
      clock.advance(5 * 60_000);
      recorder.touch(inUse.sessionId);
      recorder.touch(quiet.sessionId);
      await recorder.flush();
      await sweeper.sweep();
      expect(await revokedReasonOf(inUse.sessionId)).toBeNull();
      expect(await revokedReasonOf(quiet.sessionId)).toBeNull();
    }
    expect(await bucketOf(quiet.sessionId)).toBe(loginStep);

    // 28.5 minutes in, the sweep's cutoff would reach the login's step within
    // two intervals (before the session's next write is due): the use moves it.
    clock.advance(3.5 * 60_000);
    recorder.touch(inUse.sessionId);
    await recorder.flush();
    expect(await bucketOf(inUse.sessionId)).toBe(loginStep + 2);

    // 31 minutes in, the sweep reads the login's step: the idle session goes,
    // the quiet one (used 6 minutes ago, its step left behind) stays.
    clock.advance(2.5 * 60_000);
    await sweeper.sweep();
    expect(await revokedReasonOf(idle.sessionId)).toBe('idle-timeout');
    expect(await revokedReasonOf(quiet.sessionId)).toBeNull();
    expect(await bucketOf(quiet.sessionId)).toBe(loginStep);
    await expect(tokens.parseToken(quiet.token)).resolves.toMatchObject({ sessionId: quiet.sessionId });

    // 30 minutes after its last use, the quiet session goes too; the one in use stays.
    clock.advance(24.5 * 60_000);
    await sweeper.sweep();
    expect(await revokedReasonOf(quiet.sessionId)).toBe('idle-timeout');
    expect(await revokedReasonOf(inUse.sessionId)).toBeNull();
    await expect(tokens.parseToken(inUse.token)).resolves.toMatchObject({ sessionId: inUse.sessionId });
  });

  it('sweeps a session idle since an earlier step, and not one used after the cutoff in the cutoff\'s own step', async () => {
    const { tokens } = fixture.app;
    const recorder = fixture.app.get<SessionActivityRecorder>(SessionActivityRecorder);
    clock.advance(BUCKET_MS - (clock.now() % BUCKET_MS));
    const idle = await tokens.generateToken('sweep-user');
    clock.advance(BUCKET_MS);
    const sameStepAsCutoff = await tokens.generateToken('sweep-user');
    clock.advance(5 * 60_000);
    recorder.touch(sameStepAsCutoff.sessionId);
    await recorder.flush();
    // The cutoff (now less 30 minutes) falls in sameStepAsCutoff's step, 5 minutes before its last use.
    clock.advance(30 * 60_000 - 1);
    await fixture.app.get<IdleSessionSweeper>(IdleSessionSweeper).sweep();
    expect(await revokedReasonOf(idle.sessionId)).toBe('idle-timeout');
    expect(await revokedReasonOf(sameStepAsCutoff.sessionId)).toBeNull();
    await expect(tokens.parseToken(idle.token)).rejects.toBeInstanceOf(SessionIdleTimeoutError);
    await expect(tokens.parseToken(sameStepAsCutoff.token)).resolves.toMatchObject({ sessionId: sameStepAsCutoff.sessionId });
  });

  it('sweeps sessions with no step (from before the migration, or written with triggers off) by their last use', async () => {
    const { tokens } = fixture.app;
    const idle = await tokens.generateToken('unbucketed-user');
    clock.advance(20 * 60_000);
    const recent = await tokens.generateToken('unbucketed-user');
    await fixture.db.query('ALTER TABLE token_sessions DISABLE TRIGGER token_sessions_bucket_activity');
    try {
      await fixture.db.query('UPDATE token_sessions SET last_active_bucket = NULL WHERE session_id = ANY($1)', [[idle.sessionId, recent.sessionId]]);
    } finally {
      await fixture.db.query('ALTER TABLE token_sessions ENABLE TRIGGER token_sessions_bucket_activity');
    }
    expect(await bucketOf(idle.sessionId)).toBeNull();
    clock.advance(15 * 60_000);
    await fixture.app.get<IdleSessionSweeper>(IdleSessionSweeper).sweep();
    expect(await revokedReasonOf(idle.sessionId)).toBe('idle-timeout');
    expect(await revokedReasonOf(recent.sessionId)).toBeNull();
    await expect(tokens.parseToken(recent.token)).resolves.toMatchObject({ sessionId: recent.sessionId });
  });
});

describe('recording a session\'s last use without an idle timeout', () => {
  const clock = new ManualClock(Math.ceil(Date.UTC(2026, 11, 7, 9) / BUCKET_MS) * BUCKET_MS);
  const fixture = useTokenTracking({ clock: clock.now, lastUsedIntervalSeconds: 60, expiresIn: 7_200, refreshExpiresIn: 86_400 });

  async function sessionRow(sessionId: string): Promise<{ last_active_at: Date; last_active_bucket: number | null }> {
    const [row] = await fixture.db.query<{ last_active_at: Date; last_active_bucket: number | null }>(
      'SELECT last_active_at, last_active_bucket FROM token_sessions WHERE session_id = $1', [sessionId],
    );
    return row!;
  }

  it('leaves the step at the login\'s, however late the use (nothing reads it), and a refresh moves it', async () => {
    const { tokens } = fixture.app;
    const recorder = fixture.app.get<SessionActivityRecorder>(SessionActivityRecorder);
    const pair = await tokens.generateTokenPair('no-timeout-user');
    const loginStep = clock.now() / BUCKET_MS;
    // The first use 25 minutes after the login, as with tokens issued well before they are used.
    clock.advance(25 * 60_000);
    recorder.touch(pair.sessionId);
    await recorder.flush();
    const used = await sessionRow(pair.sessionId);
    expect(used.last_active_at.getTime()).toBe(clock.now());
    expect(used.last_active_bucket).toBe(loginStep);

    const refreshed = await tokens.refresh(pair.refreshToken.token);
    expect(refreshed.sessionId).toBe(pair.sessionId);
    expect((await sessionRow(pair.sessionId)).last_active_bucket).toBe(Math.floor(clock.now() / BUCKET_MS));
  });
});
