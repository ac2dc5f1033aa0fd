import { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { TokenTrackingService } from 'nestjs-token-tracking';
import { AppModule } from './../src/app.module';

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

const adapters = [
  ['Express', () => new ExpressAdapter()],
  ['Fastify', () => new FastifyAdapter()],
] as const;

describe.each(adapters)('the application over HTTP on %s', (_name, createAdapter) => {
  let app: INestApplication;
  let baseUrl: string;

  async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(baseUrl + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  const login = (username: string) => call('POST', '/auth/login', { body: { username, password: `${username}-password` } });

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication(createAdapter(), { logger: ['error', 'warn'] });
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    // Sessions left by the other adapter's run (same database) would count against the cap.
    const tokens = app.get(TokenTrackingService);
    for (const userId of ['user-alice', 'user-bob', 'user-admin']) await tokens.revokeAllUserTokens(userId);
  });

  afterAll(async () => {
    await app?.close();
  });

  let first: { accessToken: string; refreshToken: string };
  let second: { accessToken: string; refreshToken: string };

  it('logs in up to the cap (2) and answers 409 MAX_SESSIONS_EXCEEDED past it', async () => {
    const one = await login('alice');
    expect(one.status).toBe(200);
    expect(one.body).toEqual(expect.objectContaining({ accessToken: expect.any(String), refreshToken: expect.any(String) }));
    const two = await login('alice');
    expect(two.status).toBe(200);
    first = one.body;
    second = two.body;

    const three = await login('alice');
    expect(three.status).toBe(409);
    expect(three.body).toMatchObject({ statusCode: 409, code: 'MAX_SESSIONS_EXCEEDED' });

    expect((await call('POST', '/auth/login', { body: { username: 'alice', password: 'wrong' } })).status).toBe(401);
  });

  it('guards GET /profile: 200 with a token, 401 with WWW-Authenticate: Bearer without', async () => {
    const ok = await call('GET', '/profile', { token: first.accessToken });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ userId: 'user-alice', role: 'user' });

    const missing = await call('GET', '/profile');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(missing.body).toMatchObject({ code: 'TOKEN_MISSING' });

    const forged = await call('GET', '/profile', { token: `${first.accessToken.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  });

  it('refreshes: 200 with a new pair; a garbage refresh token is a 401', async () => {
    const refreshed = await call('POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.accessToken).not.toBe(first.accessToken);
    expect(refreshed.body.refreshToken).not.toBe(first.refreshToken);
    expect((await call('GET', '/profile', { token: refreshed.body.accessToken })).status).toBe(200);
    first = refreshed.body;

    const garbage = await call('POST', '/auth/refresh', { body: { refreshToken: 'not-a-jwt' } });
    expect(garbage.status).toBe(401);
    expect(garbage.body).toMatchObject({ statusCode: 401, code: expect.any(String) });

    // An access token is not a refresh token.
    const wrongType = await call('POST', '/auth/refresh', { body: { refreshToken: first.accessToken } });
    expect(wrongType.status).toBe(401);
    expect(wrongType.body).toMatchObject({ code: 'TOKEN_TYPE_INVALID' });
  });

  it('logs out with DELETE /auth/sessions/current: 204, then the token is 401 TOKEN_REVOKED', async () => {
    const logout = await call('DELETE', '/auth/sessions/current', { token: second.accessToken });
    expect(logout.status).toBe(204);

    const after = await call('GET', '/profile', { token: second.accessToken });
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ code: 'TOKEN_REVOKED' });

    // The session no longer counts: a new login fits under the cap again.
    expect((await login('alice')).status).toBe(200);
  });

  it('lists a user\'s sessions for admins only: 403 for a user, 200 for the admin', async () => {
    const denied = await call('GET', '/admin/sessions/users/user-alice', { token: first.accessToken });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ code: 'ADMIN_ACCESS_DENIED' });

    const admin = await login('admin');
    expect(admin.status).toBe(200);
    const listed = await call('GET', '/admin/sessions/users/user-alice', { token: admin.body.accessToken });
    expect(listed.status).toBe(200);
    expect(listed.body.count).toBe(2);
  });
});
