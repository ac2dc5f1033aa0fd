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
 * The idle sweep indexes last use in ten-minute steps, so that recording a
 * use within its step updates no index (a HOT update) and one that crosses
 * into the next step moves the step. Counted by PostgreSQL itself.
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

  it('updates no index within a ten-minute step, and moves the session\'s step when it crosses one', async () => {
    const { tokens } = fixture.app;
    const recorder = fixture.app.get<SessionActivityRecorder>(SessionActivityRecorder);
    const login = await tokens.generateToken('hot-user');
    const firstStep = clock.now() / BUCKET_MS;
    expect(await bucketOf(login.sessionId)).toBe(firstStep);
    const before = await updateCounts(0);

    // Three uses 61 s apart, within the login's step: each written, in place.
    for (let use = 0; use < 3; use++) {
      clock.advance(61_000);
      recorder.touch(login.sessionId);
      await recorder.flush();
    }
    const within = await updateCounts(before.updated + 3);
    expect(within.updated - before.updated).toBe(3);
    expect(within.hot - before.hot).toBe(3);
    expect(await bucketOf(login.sessionId)).toBe(firstStep);

    // Into the next step: the indexed step changes, which no update can do in place.
    clock.advance(BUCKET_MS);
    recorder.touch(login.sessionId);
    await recorder.flush();
    const across = await updateCounts(within.updated + 1);
    expect(across.updated - within.updated).toBe(1);
    expect(across.hot - within.hot).toBe(0);
    expect(await bucketOf(login.sessionId)).toBe(firstStep + 1);
  }, 90_000);

  it('keeps the step right whoever writes last use, as a previous version\'s statement does', async () => {
    const login = await fixture.app.tokens.generateToken('previous-version-user');
    const later = new Date(clock.now() + 3 * BUCKET_MS + 1_000);
    await fixture.db.query('UPDATE token_sessions SET last_active_at = $2 WHERE session_id = $1', [login.sessionId, later]);
    expect(await bucketOf(login.sessionId)).toBe(Math.floor(later.getTime() / BUCKET_MS));
    // Nor can the step be set apart from last use.
    await fixture.db.query('UPDATE token_sessions SET last_active_bucket = 0 WHERE session_id = $1', [login.sessionId]);
    expect(await bucketOf(login.sessionId)).toBe(Math.floor(later.getTime() / BUCKET_MS));
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
