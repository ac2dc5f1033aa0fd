import {
  InvalidSignatureError,
  SessionNotFoundError,
  TokenExpiredError,
  TokenRevokedError,
  TrackingDisabledError,
} from '../src/index.js';
import { ManualClock } from './support/manual-clock.js';
import { startTokenTracking, useTokenTracking } from './support/token-tracking-app.js';

describe('revocation', () => {

  const fixture = useTokenTracking();

  it('revokes one tracked token by jti and leaves the user\'s other tokens valid', async () => {
    const { tokens } = fixture.app;
    const doomed = await tokens.generateToken('jti-user');
    const kept = await tokens.generateToken('jti-user');
    await tokens.revokeToken(doomed.jti);
    await expect(tokens.parseToken(doomed.token)).rejects.toBeInstanceOf(TokenRevokedError);
    await expect(tokens.parseToken(kept.token)).resolves.toMatchObject({ jti: kept.jti, userId: 'jti-user' });
  });

  it('reports a second revocation instead of ignoring it, by jti and by token', async () => {
    const { tokens } = fixture.app;
    const first = await tokens.generateToken('twice-user');
    await tokens.revokeToken(first.token);
    await expect(tokens.revokeToken(first.token)).rejects.toThrow('token is already revoked');
    await expect(tokens.revokeToken(first.jti)).rejects.toBeInstanceOf(TokenRevokedError);

    const second = await tokens.generateToken('twice-user');
    await tokens.revokeAllUserTokens('twice-user');
    await expect(tokens.revokeToken(second.jti)).rejects.toBeInstanceOf(TokenRevokedError);
  });

  it('lets exactly one of many concurrent revocations of a token win', async () => {
    const { token } = await fixture.app.tokens.generateToken('concurrent-revoke-user');
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => fixture.app.tokens.revokeToken(token)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results.filter((r) => r.status === 'rejected')) {
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(TokenRevokedError);
    }
  });

  it('says so when a jti belongs to no tracked token', async () => {
    await expect(fixture.app.tokens.revokeToken('x'.repeat(43))).rejects.toBeInstanceOf(SessionNotFoundError);
  });

  it('refuses to revoke a forged token, and writes nothing for it', async () => {
    const { token } = await fixture.app.tokens.generateToken('forgery-user');
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    await expect(fixture.app.tokens.revokeToken(forged)).rejects.toBeInstanceOf(InvalidSignatureError);
    expect(await fixture.db.query('SELECT 1 FROM revoked_tokens WHERE user_id = $1', ['forgery-user'])).toHaveLength(0);
  });

  it('revoke-all also rejects a token issued while tracking was off', async () => {
    const untrackedApp = await startTokenTracking(fixture.db.connectAnotherClient(), { trackUserTokens: false });
    try {
      const untracked = await untrackedApp.tokens.generateToken('watermark-user');
      const tracked = await fixture.app.tokens.generateToken('watermark-user');
      expect(await fixture.db.query('SELECT 1 FROM issued_tokens WHERE jti = $1', [untracked.jti])).toHaveLength(0);

      expect(await fixture.app.tokens.revokeAllUserTokens('watermark-user')).toBe(1);
      await expect(fixture.app.tokens.parseToken(untracked.token)).rejects.toBeInstanceOf(TokenRevokedError);
      await expect(untrackedApp.tokens.parseToken(untracked.token)).rejects.toBeInstanceOf(TokenRevokedError);
      await expect(fixture.app.tokens.parseToken(tracked.token)).rejects.toBeInstanceOf(TokenRevokedError);
    } finally {
      await untrackedApp.close();
    }
  });

  it('accepts a login made right after a revoke-all, within the same second', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0, 100));
    const clocked = await startTokenTracking(fixture.db.connectAnotherClient(), { clock: clock.now });
    try {
      const before = await clocked.tokens.generateToken('same-second-user');
      clock.advance(200);
      await clocked.tokens.revokeAllUserTokens('same-second-user');
      clock.advance(200);
      const after = await clocked.tokens.generateToken('same-second-user');
      await expect(clocked.tokens.parseToken(before.token)).rejects.toBeInstanceOf(TokenRevokedError);
      await expect(clocked.tokens.parseToken(after.token)).resolves.toMatchObject({ jti: after.jti });
      expect(await clocked.tokens.getUserSessionCount('same-second-user')).toBe(1);
    } finally {
      await clocked.close();
    }
  });

  it('revokes an untracked token by the token itself, or by jti and expiry', async () => {
    const untrackedApp = await startTokenTracking(fixture.db.connectAnotherClient(), { trackUserTokens: false });
    try {
      const byToken = await untrackedApp.tokens.generateToken('untracked-user');
      const byId = await untrackedApp.tokens.generateToken('untracked-user');
      const survivor = await untrackedApp.tokens.generateToken('untracked-user');
      await untrackedApp.tokens.revokeToken(byToken.token);
      await untrackedApp.tokens.revokeTokenById(byId.jti, byId.expiresAt);
      await expect(untrackedApp.tokens.parseToken(byToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
      await expect(untrackedApp.tokens.parseToken(byId.token)).rejects.toBeInstanceOf(TokenRevokedError);
      await expect(untrackedApp.tokens.parseToken(survivor.token)).resolves.toMatchObject({ jti: survivor.jti });
      const [entry] = await fixture.db.query<{ expires_at: Date }>('SELECT expires_at FROM revoked_tokens WHERE id = $1', [byToken.jti]);
      expect(entry?.expires_at.getTime()).toBe(byToken.expiresAt.getTime());
    } finally {
      await untrackedApp.close();
    }
  });

  it('answers session queries with a clear error when tracking is off', async () => {
    const untrackedApp = await startTokenTracking(fixture.db.connectAnotherClient(), { trackUserTokens: false });
    try {
      await expect(untrackedApp.tokens.getUserSessionCount('anyone')).rejects.toBeInstanceOf(TrackingDisabledError);
      await expect(untrackedApp.tokens.getActiveUserTokens('anyone')).rejects.toBeInstanceOf(TrackingDisabledError);
    } finally {
      await untrackedApp.close();
    }
  });

  it('does not revoke an expired token (it is already unusable): 401 for the token, 404 for its id', async () => {
    const clock = new ManualClock();
    const clocked = await startTokenTracking(fixture.db.connectAnotherClient(), { clock: clock.now, expiresIn: 10 });
    try {
      const issued = await clocked.tokens.generateToken('expired-revoke-user');
      clock.advance(10_000);
      await expect(clocked.tokens.revokeToken(issued.token)).rejects.toBeInstanceOf(TokenExpiredError);
      await expect(clocked.tokens.revokeToken(issued.jti)).rejects.toThrow(new SessionNotFoundError('the session has already expired: there is nothing left to revoke'));
    } finally {
      await clocked.close();
    }
  });

  it('keeps one user\'s revoke-all away from other users', async () => {
    const mine = await fixture.app.tokens.generateToken('alice');
    const theirs = await fixture.app.tokens.generateToken('bob');
    await fixture.app.tokens.revokeAllUserTokens('alice');
    await expect(fixture.app.tokens.parseToken(mine.token)).rejects.toBeInstanceOf(TokenRevokedError);
    await expect(fixture.app.tokens.parseToken(theirs.token)).resolves.toMatchObject({ userId: 'bob' });
  });

  it('survives a restart: a new application instance on the same database still rejects revoked tokens', async () => {
    const first = await startTokenTracking(fixture.db.connectAnotherClient());
    const single = await first.tokens.generateToken('restart-user');
    const other = await first.tokens.generateToken('restart-user-2');
    await first.tokens.revokeToken(single.token);
    await first.tokens.revokeAllUserTokens('restart-user-2');
    await first.close();

    const second = await startTokenTracking(fixture.db.connectAnotherClient());
    try {
      await expect(second.tokens.parseToken(single.token)).rejects.toBeInstanceOf(TokenRevokedError);
      await expect(second.tokens.parseToken(other.token)).rejects.toBeInstanceOf(TokenRevokedError);
    } finally {
      await second.close();
    }
  });
});
