import { InvalidArgumentError } from '../src/index.js';
import { TEST_AUDIENCE, TEST_ISSUER, useTokenTracking } from './support/token-tracking-app.js';

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

describe('generateToken', () => {

  const fixture = useTokenTracking({ expiresIn: 3600, maxTokenSize: 1024 });

  it('signs the registered claims and the caller\'s data, with a 43-character random jti', async () => {
    const issued = await fixture.app.tokens.generateToken('user-7', { session_id: 'session_1' });
    const claims = claimsOf(issued.token);
    expect(claims).toEqual({
      iss: TEST_ISSUER,
      sub: 'user-7',
      aud: [TEST_AUDIENCE],
      exp: Math.floor(issued.issuedAt.getTime() / 1000) + 3600,
      nbf: Math.floor(issued.issuedAt.getTime() / 1000),
      iat: issued.issuedAt.getTime() / 1000,
      jti: issued.jti,
      // The session's start (OpenID Connect's claim): a token issued alone starts its own session.
      auth_time: issued.issuedAt.getTime() / 1000,
      data: { session_id: 'session_1' },
    });
    expect(issued.jti).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.expiresAt.getTime()).toBe(claims.exp * 1000);
    const [row] = await fixture.db.query<{ issued_at: Date; expires_at: Date }>('SELECT issued_at, expires_at FROM issued_tokens WHERE jti = $1', [issued.jti]);
    expect(row?.issued_at.getTime()).toBe(issued.issuedAt.getTime());
    expect(row?.expires_at.getTime()).toBe(issued.expiresAt.getTime());
  });

  it('never repeats a jti', async () => {
    const issued = await Promise.all(Array.from({ length: 200 }, () => fixture.app.tokens.generateToken('many-user')));
    expect(new Set(issued.map((token) => token.jti)).size).toBe(200);
  });

  it.each(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'])('refuses data that uses the reserved claim "%s"', async (name) => {
    await expect(fixture.app.tokens.generateToken('u', { [name]: 'x' })).rejects.toThrow(
      new InvalidArgumentError(`data may not use reserved claim names: ${name}`),
    );
  });

  it.each<[string, () => Promise<unknown>]>([
    ['an empty user id', () => fixture.app.tokens.generateToken('')],
    ['a user id longer than 255 characters', () => fixture.app.tokens.generateToken('u'.repeat(256))],
    ['a non-string user id', () => fixture.app.tokens.generateToken(42 as unknown as string)],
    ['array data', () => fixture.app.tokens.generateToken('u', [] as unknown as Record<string, unknown>)],
    ['data that cannot be serialised', () => fixture.app.tokens.generateToken('u', { big: 1n })],
    ['a client IP that is not an address', () => fixture.app.tokens.generateToken('u', {}, { clientIp: 'localhost' })],
  ])('refuses %s with InvalidArgumentError and records nothing', async (_, attempt) => {
    const before = (await fixture.db.query('SELECT jti FROM issued_tokens')).length;
    await expect(attempt()).rejects.toBeInstanceOf(InvalidArgumentError);
    expect((await fixture.db.query('SELECT jti FROM issued_tokens')).length).toBe(before);
  });

  it('refuses, as a bad argument (400), data that would make the token larger than maxTokenSize', async () => {
    await expect(fixture.app.tokens.generateToken('u', { blob: 'x'.repeat(2000) })).rejects.toThrow(/over maxTokenSize \(1024\) less 6 kept for later refreshes/);
    await expect(fixture.app.tokens.generateToken('u', { blob: 'x'.repeat(2000) })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('records IPv6 addresses and keeps the first 512 characters of a user agent', async () => {
    const issued = await fixture.app.tokens.generateToken('ua-user', {}, { clientIp: '2001:db8::1', userAgent: 'A'.repeat(600) });
    const [session] = await fixture.app.tokens.getActiveUserTokens('ua-user');
    expect(session).toMatchObject({ jti: issued.jti, clientIp: '2001:db8::1', userAgent: 'A'.repeat(512) });
  });
});

describe('generateToken with a request as its context', () => {

  const fixture = useTokenTracking();

  it.each<[string, { ip?: string; socket?: { remoteAddress?: string } }, string | null]>([
    ['the address Express computed', { ip: '198.51.100.23' }, '198.51.100.23'],
    ['an IPv4 client of a dual-stack server, unmapped', { ip: '::ffff:198.51.100.24' }, '198.51.100.24'],
    ['the socket address when there is no request.ip', { socket: { remoteAddress: '2001:db8::5' } }, '2001:db8::5'],
    ['nothing, for an address that cannot be stored', { ip: `fe80::1%${'x'.repeat(60)}` }, null],
  ])('records %s', async (_, request, expected) => {
    const userId = `request-user-${expected ?? 'none'}`;
    await fixture.app.tokens.generateToken(userId, {}, { headers: { 'user-agent': ['first', 'second'] }, ...request });
    const [session] = await fixture.app.tokens.getActiveUserTokens(userId);
    expect(session).toMatchObject({ clientIp: expected, userAgent: 'first' });
  });
});
