import { MaxSessionsExceededError, TokenRevokedError } from '../src/index.js';
import { useTokenTracking } from './support/token-tracking-app.js';

/** The walkthrough of Blueprint's user-token-tracking example, on PostgreSQL. */
describe('the seed scenario: user123 with a cap of 3 sessions', () => {

  const fixture = useTokenTracking({ maxUserSessions: 3 });

  it('issues three tokens, refuses the fourth, lists, revokes one, revokes all, and rejects them all', async () => {
    const { tokens } = fixture.app;
    const issued = [];
    for (let n = 1; n <= 3; n++) {
      issued.push(await tokens.generateToken('user123', { session_id: `session_${n}` }));
      expect(await tokens.getUserSessionCount('user123')).toBe(n);
    }
    await expect(tokens.generateToken('user123', { session_id: 'session_4' })).rejects.toThrow(
      new MaxSessionsExceededError(),
    );

    const active = await tokens.getActiveUserTokens('user123');
    expect(active.map((session) => session.jti)).toEqual(issued.map((token) => token.jti));
    for (const session of active) expect(session.jti).toMatch(/^[A-Za-z0-9_-]{43}$/);

    await tokens.revokeToken(issued[0]!.token);
    expect(await tokens.getUserSessionCount('user123')).toBe(2);

    expect(await tokens.revokeAllUserTokens('user123')).toBe(2);
    expect(await tokens.getUserSessionCount('user123')).toBe(0);

    for (const { token } of issued) {
      await expect(tokens.parseToken(token)).rejects.toThrow(new TokenRevokedError());
    }
    expect((await tokens.parseToken(issued[0]!.token).catch((error) => error)).message).toBe(
      'token is already revoked',
    );
  });

  it('stores the jti and metadata, never the token', async () => {
    const { token, jti } = await fixture.app.tokens.generateToken('audit-user', { session_id: 'x' }, {
      clientIp: '203.0.113.7',
      userAgent: 'demo-agent/1.0',
    });
    const rows = await fixture.db.query('SELECT * FROM issued_tokens WHERE user_id = $1', ['audit-user']);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ jti, client_ip: '203.0.113.7', user_agent: 'demo-agent/1.0' });
    const everyStoredValue = JSON.stringify([
      await fixture.db.query('SELECT * FROM issued_tokens'),
      await fixture.db.query('SELECT * FROM revoked_tokens'),
      await fixture.db.query('SELECT * FROM user_token_watermarks'),
    ]);
    expect(everyStoredValue).not.toContain(token);
    expect(everyStoredValue).not.toContain(token.split('.')[2]);
  });
});
