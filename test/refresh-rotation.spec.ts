import {
  PrismaTokenStore,
  RefreshTokenReusedError,
  TokenRefreshedEvent,
  TokenRevokedError,
  TokenStore,
  TokenStoreError,
  TokenTrackingEvents,
  TokenTypeMismatchError,
} from '../src/index.js';
import { ManualClock } from './support/manual-clock.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TokenTrackingApp, useTokenTracking } from './support/token-tracking-app.js';

describe('access/refresh pairs with rotation and reuse detection', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 1));

  const fixture = useTokenTracking({
    clock: clock.now, maxUserSessions: 2, expiresIn: 900, refreshExpiresIn: 86_400, refreshGraceSeconds: 10,
  });

  beforeEach(() => {
    fixture.app.events.length = 0;
  });

  it('issues a pair that is one session: counted once, listed once', async () => {
    const pair = await fixture.app.tokens.generateTokenPair('pair-user', { role: 'reader' });
    expect(pair.accessToken.sessionId).toBe(pair.sessionId);
    expect(pair.refreshToken.sessionId).toBe(pair.sessionId);
    expect(pair.refreshToken.expiresAt.getTime() - pair.accessToken.expiresAt.getTime()).toBe((86_400 - 900) * 1000);
    expect(await fixture.app.tokens.getUserSessionCount('pair-user')).toBe(1);
    const [session] = await fixture.app.tokens.getUserSessions('pair-user');
    expect(session).toMatchObject({ sessionId: pair.sessionId, expiresAt: pair.refreshToken.expiresAt });
    expect((await fixture.app.tokens.getActiveUserTokens('pair-user')).map((t) => t.tokenUse).sort()).toEqual(['access', 'refresh']);
    await expect(fixture.app.tokens.parseToken(pair.accessToken.token)).resolves.toMatchObject({ sessionId: pair.sessionId, data: { role: 'reader' } });
  });

  it('refuses a refresh token as an access token, and an access token as a refresh token', async () => {
    const pair = await fixture.app.tokens.generateTokenPair('type-user');
    await expect(fixture.app.tokens.parseToken(pair.refreshToken.token)).rejects.toBeInstanceOf(TokenTypeMismatchError);
    await expect(fixture.app.tokens.refresh(pair.accessToken.token)).rejects.toBeInstanceOf(TokenTypeMismatchError);
  });

  it('rotates: a new pair in the same session, the count unchanged, the data carried over', async () => {
    const first = await fixture.app.tokens.generateTokenPair('rotate-user', { role: 'writer' });
    clock.advance(60_000);
    const second = await fixture.app.tokens.refresh(first.refreshToken.token, { clientIp: '198.51.100.4', userAgent: 'rotated/1' });
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.refreshToken.jti).not.toBe(first.refreshToken.jti);
    expect(await fixture.app.tokens.getUserSessionCount('rotate-user')).toBe(1);
    await expect(fixture.app.tokens.parseToken(second.accessToken.token)).resolves.toMatchObject({ data: { role: 'writer' } });
    const [session] = await fixture.app.tokens.getUserSessions('rotate-user');
    expect(session).toMatchObject({ clientIp: '198.51.100.4', userAgent: 'rotated/1', createdAt: first.accessToken.issuedAt });
    expect(fixture.app.events.find((event) => event.name === TokenTrackingEvents.REFRESHED)?.payload).toEqual(
      new TokenRefreshedEvent('rotate-user', first.sessionId, first.refreshToken.jti, second.accessToken.jti, second.refreshToken.jti, false),
    );
  });

  it('gives a refresh retried inside the grace period the same pair again, revoking nothing', async () => {
    const first = await fixture.app.tokens.generateTokenPair('grace-user');
    const winner = await fixture.app.tokens.refresh(first.refreshToken.token);
    clock.advance(10_000);
    const sibling = await fixture.app.tokens.refresh(first.refreshToken.token);
    // The same pair again, not a second one: the session keeps one refresh chain.
    expect(sibling).toEqual(winner);
    await expect(fixture.app.tokens.parseToken(sibling.accessToken.token)).resolves.toBeDefined();
    expect(fixture.app.events.filter((event) => event.name === TokenTrackingEvents.REUSE_DETECTED)).toEqual([]);
  });

  it('treats reuse after the grace period as theft: the whole session is revoked', async () => {
    const first = await fixture.app.tokens.generateTokenPair('theft-user');
    const legitimate = await fixture.app.tokens.refresh(first.refreshToken.token);
    clock.advance(10_001);
    await expect(fixture.app.tokens.refresh(first.refreshToken.token)).rejects.toBeInstanceOf(RefreshTokenReusedError);
    await expect(fixture.app.tokens.parseToken(legitimate.accessToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
    await expect(fixture.app.tokens.parseToken(first.accessToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
    await expect(fixture.app.tokens.refresh(legitimate.refreshToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
    expect(await fixture.app.tokens.getUserSessionCount('theft-user')).toBe(0);
    expect(fixture.app.events.map((event) => event.name)).toEqual(expect.arrayContaining([TokenTrackingEvents.REUSE_DETECTED, TokenTrackingEvents.REVOKED]));
  });

  it('lets exactly one of many concurrent refreshes rotate; the others fall in the grace period', async () => {
    const first = await fixture.app.tokens.generateTokenPair('concurrent-refresh-user');
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => fixture.app.tokens.refresh(first.refreshToken.token)));
    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
    const refreshed = fixture.app.events.filter((event) => event.name === TokenTrackingEvents.REFRESHED).map((event) => event.payload as TokenRefreshedEvent);
    expect(refreshed.filter((event) => !event.withinGrace)).toHaveLength(1);
    expect(refreshed.filter((event) => event.withinGrace)).toHaveLength(7);
    expect(await fixture.app.tokens.getUserSessionCount('concurrent-refresh-user')).toBe(1);
  });

  it('logging out with the access token also kills the refresh token', async () => {
    const pair = await fixture.app.tokens.generateTokenPair('logout-user');
    await fixture.app.tokens.revokeToken(pair.accessToken.token, { reason: 'logout' });
    await expect(fixture.app.tokens.refresh(pair.refreshToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
    expect(await fixture.app.tokens.getUserSessionCount('logout-user')).toBe(0);
  });

  it('refreshing does not need a free slot, and a new login still respects the cap', async () => {
    const one = await fixture.app.tokens.generateTokenPair('capped-pair-user');
    await fixture.app.tokens.generateTokenPair('capped-pair-user');
    await expect(fixture.app.tokens.generateTokenPair('capped-pair-user')).rejects.toThrow('maximum concurrent sessions exceeded');
    await expect(fixture.app.tokens.refresh(one.refreshToken.token)).resolves.toMatchObject({ sessionId: one.sessionId });
    expect(await fixture.app.tokens.getUserSessionCount('capped-pair-user')).toBe(2);
  });

  it('is refused after a revoke-all, even for a refresh token never seen by the revoking instance', async () => {
    const pair = await fixture.app.tokens.generateTokenPair('revoke-all-pair-user');
    clock.advance(1);
    await fixture.app.tokens.revokeAllUserTokens('revoke-all-pair-user');
    await expect(fixture.app.tokens.refresh(pair.refreshToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
  });

  it('leaves the old session intact when the rotation fails half-way', async () => {
    const pair = await fixture.app.tokens.generateTokenPair('failing-refresh-user');
    // A store whose rotation collides on a primary key after marking the old
    // token rotated: the transaction must roll both back.
    const real = new PrismaTokenStore(fixture.db.prisma);
    const failing: TokenStore = Object.create(real, {
      rotateRefreshToken: {
        value: (request: Parameters<TokenStore['rotateRefreshToken']>[0]) =>
          real.rotateRefreshToken({ ...request, next: [{ ...request.next[0], jti: pair.accessToken.jti }, request.next[1]] }),
      },
    });
    const broken = await startTokenTracking(undefined, { store: failing, clock: clock.now, refreshGraceSeconds: 0 });
    try {
      // A constraint violation is a bug, not an outage: 500 STORE_ERROR.
      await expect(broken.tokens.refresh(pair.refreshToken.token)).rejects.toBeInstanceOf(TokenStoreError);
    } finally {
      await broken.close();
    }
    clock.advance(60_000);
    const recovered = await fixture.app.tokens.refresh(pair.refreshToken.token);
    expect(recovered.sessionId).toBe(pair.sessionId);
    await expect(fixture.app.tokens.parseToken(recovered.accessToken.token)).resolves.toBeDefined();
  });
});

describe('parallel refreshes over two instances', () => {
  let db: TestDatabase;
  let a: TokenTrackingApp;
  let b: TokenTrackingApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTokenTracking(db.prisma);
    b = await startTokenTracking(db.connectAnotherClient());
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.dispose();
  });

  it('never forks a session: every answer is the same pair, and the chain goes on from it', async () => {
    const login = await a.tokens.generateTokenPair('two-tabs-user');
    const answers = await Promise.all(Array.from({ length: 10 }, (_, n) => (n % 2 ? a : b).tokens.refresh(login.refreshToken.token)));
    const pairs = new Set(answers.map((pair) => `${pair.accessToken.jti}/${pair.refreshToken.jti}`));
    expect(pairs.size).toBe(1);
    const live = await db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM issued_tokens WHERE session_id = $1 AND token_use = 'refresh' AND rotated_at IS NULL`,
      [login.sessionId],
    );
    expect(live[0]?.count).toBe(1);
    const next = await b.tokens.refresh(answers[0]!.refreshToken.token);
    await expect(a.tokens.parseToken(next.accessToken.token)).resolves.toMatchObject({ sessionId: login.sessionId });
    expect(await a.tokens.getUserSessionCount('two-tabs-user')).toBe(1);
  });
});
