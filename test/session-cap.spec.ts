import { MaxSessionsExceededError, TokenTrackingConfigurationError } from '../src/index.js';
import { ManualClock } from './support/manual-clock.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TokenTrackingApp } from './support/token-tracking-app.js';

describe('the per-user session cap', () => {
  let db: TestDatabase;
  const apps: TokenTrackingApp[] = [];
  const start = async (...args: Parameters<typeof startTokenTracking>) => {
    const app = await startTokenTracking(...args);
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await db?.dispose();
  });

  const activeRows = async (userId: string) =>
    (await db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM token_sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()',
      [userId],
    ))[0]!.count;

  it('holds exactly under 50 concurrent logins of one user: 3 succeed, 47 are refused', async () => {
    const { tokens } = await start(db.prisma, { maxUserSessions: 3 });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, n) => tokens.generateToken('race-user', { attempt: n })),
    );
    const refused = results.filter((result) => result.status === 'rejected');
    expect(results.filter((result) => result.status === 'fulfilled').length).toBe(3);
    expect(refused.length).toBe(47);
    for (const result of refused) expect(result.reason).toBeInstanceOf(MaxSessionsExceededError);
    expect(await activeRows('race-user')).toBe(3);
    expect(await tokens.getUserSessionCount('race-user')).toBe(3);
  });

  it('holds exactly when the concurrent logins are spread over two application instances', async () => {
    const first = await start(db.prisma, { maxUserSessions: 3 });
    const second = await start(db.connectAnotherClient(), { maxUserSessions: 3 });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, n) => (n % 2 ? first : second).tokens.generateToken('two-instance-user')),
    );
    expect(results.filter((result) => result.status === 'fulfilled').length).toBe(3);
    expect(await activeRows('two-instance-user')).toBe(3);
  });

  it('holds for each of many users logging in at once', async () => {
    const { tokens } = await start(db.prisma, { maxUserSessions: 2 });
    const users = Array.from({ length: 10 }, (_, n) => `crowd-user-${n}`);
    await Promise.allSettled(users.flatMap((user) => Array.from({ length: 5 }, () => tokens.generateToken(user))));
    for (const user of users) expect(await activeRows(user)).toBe(2);
  });

  it('stops counting an expired token at the instant it expires', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const { tokens } = await start(db.prisma, { maxUserSessions: 2, expiresIn: 60, clock: clock.now });
    await tokens.generateToken('expiring-user');
    await tokens.generateToken('expiring-user');
    await expect(tokens.generateToken('expiring-user')).rejects.toBeInstanceOf(MaxSessionsExceededError);

    clock.advance(59_999);
    await expect(tokens.generateToken('expiring-user')).rejects.toBeInstanceOf(MaxSessionsExceededError);
    clock.advance(1);
    expect(await tokens.getUserSessionCount('expiring-user')).toBe(0);
    await tokens.generateToken('expiring-user');
    expect(await tokens.getUserSessionCount('expiring-user')).toBe(1);
  });

  it('frees a slot when a session is revoked', async () => {
    const { tokens } = await start(db.prisma, { maxUserSessions: 1 });
    const first = await tokens.generateToken('revoking-user');
    await expect(tokens.generateToken('revoking-user')).rejects.toBeInstanceOf(MaxSessionsExceededError);
    await tokens.revokeToken(first.jti);
    await expect(tokens.generateToken('revoking-user')).resolves.toMatchObject({ userId: 'revoking-user' });
  });

  it('is unlimited at 0', async () => {
    const { tokens } = await start(db.prisma, { maxUserSessions: 0 });
    await Promise.all(Array.from({ length: 25 }, () => tokens.generateToken('unlimited-user')));
    expect(await tokens.getUserSessionCount('unlimited-user')).toBe(25);
  });

  it('records nothing for a refused login', async () => {
    const { tokens } = await start(db.prisma, { maxUserSessions: 1 });
    await tokens.generateToken('refused-user');
    await expect(tokens.generateToken('refused-user')).rejects.toBeInstanceOf(MaxSessionsExceededError);
    const rows = await db.query('SELECT jti FROM issued_tokens WHERE user_id = $1', ['refused-user']);
    expect(rows).toHaveLength(1);
  });

  it('refuses to start on a database without the cap function, naming the migration to apply', async () => {
    const bare = await createTestDatabase();
    try {
      await bare.query('DROP FUNCTION token_tracking_start_sessions');
      const error = await start(bare.prisma, { maxUserSessions: 3 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TokenTrackingConfigurationError);
      expect((error as Error).message).toMatch(/lacks function token_tracking_start_sessions\(\)\. Apply the library's migrations from 20261129000100_session_functions on \(20261129000100_session_functions creates what is missing\)/);
    } finally {
      await bare.dispose();
    }
  });

  it('refuses to start on a database without any of its tables, naming a few objects and the first migration to apply', async () => {
    const bare = await createTestDatabase();
    try {
      await bare.query('DROP TABLE token_sessions, issued_tokens, revoked_tokens, user_token_watermarks CASCADE');
      const error = await start(bare.prisma, {}).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TokenTrackingConfigurationError);
      const message = (error as Error).message;
      expect(message).toMatch(/the database lacks token_sessions\.session_id(, [^,]+){4} and \d+ more\. Apply the library's migrations from 20261128000000_token_tracking on \(20261128000000_token_tracking, /);
      expect(message).toContain('20261129000000_token_sessions');
      expect(message).toContain('applies every pending migration in order');
    } finally {
      await bare.dispose();
    }
  });
});
