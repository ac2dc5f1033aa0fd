import { createTestDatabase, TestDatabase } from '../support/test-database.js';
import { startExampleApp, useExampleApp } from '../support/http-app.js';

describe('session routes over HTTP', () => {

  const fixture = useExampleApp();

  afterEach(async () => {
    // Each test starts with no active sessions.
    await fixture.db.query('UPDATE token_sessions SET revoked_at = now() WHERE revoked_at IS NULL');
  });

  it('logs in up to the cap, then answers 409 MAX_SESSIONS_EXCEEDED', async () => {
    for (let n = 0; n < 3; n++) await fixture.running.login('alice');
    const refused = await fixture.running.request('POST', '/auth/login', { body: { username: 'alice', password: 'alice-password' } });
    expect(refused).toMatchObject({
      status: 409,
      body: { statusCode: 409, code: 'MAX_SESSIONS_EXCEEDED', message: 'maximum concurrent sessions exceeded' },
    });
  });

  it('lists my sessions with their metadata and marks the current one', async () => {
    const first = await fixture.running.login('alice', { 'user-agent': 'phone/1.0' });
    const second = await fixture.running.login('alice', { 'user-agent': 'laptop/2.0' });
    const listing = await fixture.running.request('GET', '/auth/sessions', { token: second });
    expect(listing.status).toBe(200);
    expect(listing.body).toMatchObject({ userId: 'user-alice', count: 2 });
    expect(listing.body.sessions).toEqual([
      expect.objectContaining({ userAgent: 'phone/1.0', clientIp: '127.0.0.1', current: false }),
      expect.objectContaining({ userAgent: 'laptop/2.0', clientIp: '127.0.0.1', current: true }),
    ]);
    expect((await fixture.running.request('GET', '/auth/sessions?limit=1&offset=1', { token: first })).body).toMatchObject({
      count: 2,
      sessions: [expect.objectContaining({ userAgent: 'laptop/2.0', current: false })],
    });
  });

  it('logs out my other devices and keeps this one working', async () => {
    const others = [await fixture.running.login('alice'), await fixture.running.login('alice')];
    const current = await fixture.running.login('alice');
    expect(await fixture.running.request('DELETE', '/auth/sessions/others', { token: current })).toMatchObject({ status: 200, body: { revoked: 2 } });
    expect((await fixture.running.request('GET', '/profile', { token: current })).status).toBe(200);
    for (const token of others) {
      expect((await fixture.running.request('GET', '/profile', { token })).body.code).toBe('TOKEN_REVOKED');
    }
  });

  it('revokes one of my sessions by id, and says 409 the second time', async () => {
    const doomed = await fixture.running.login('alice');
    const current = await fixture.running.login('alice');
    const { body } = await fixture.running.request('GET', '/auth/sessions', { token: current });
    const doomedSession = body.sessions.find((session: { current: boolean }) => !session.current).sessionId;
    expect((await fixture.running.request('DELETE', `/auth/sessions/${doomedSession}`, { token: current })).status).toBe(204);
    expect((await fixture.running.request('GET', '/profile', { token: doomed })).status).toBe(401);
    expect(await fixture.running.request('DELETE', `/auth/sessions/${doomedSession}`, { token: current })).toMatchObject({
      status: 409,
      body: { code: 'ALREADY_REVOKED' },
    });
  });

  it("answers 404 for another user's session, and leaves it alone", async () => {
    const bobs = await fixture.running.login('bob');
    const bobSession = (await fixture.running.request('GET', '/auth/sessions', { token: bobs })).body.sessions[0].sessionId;
    const alices = await fixture.running.login('alice');
    expect(await fixture.running.request('DELETE', `/auth/sessions/${bobSession}`, { token: alices })).toMatchObject({
      status: 404,
      body: { code: 'SESSION_NOT_FOUND' },
    });
    expect((await fixture.running.request('GET', '/profile', { token: bobs })).status).toBe(200);
    const aliceListing = await fixture.running.request('GET', '/auth/sessions', { token: alices });
    expect(aliceListing.body.sessions.map((session: { sessionId: string }) => session.sessionId)).not.toContain(bobSession);
  });

  it('logs me out everywhere', async () => {
    const tokens = [await fixture.running.login('alice'), await fixture.running.login('alice')];
    expect(await fixture.running.request('DELETE', '/auth/sessions', { token: tokens[0] })).toMatchObject({ status: 200, body: { revoked: 2 } });
    for (const token of tokens) expect((await fixture.running.request('GET', '/profile', { token })).status).toBe(401);
  });

  it.each([
    ['GET', '/auth/sessions?limit=abc', 'limit'],
    ['GET', '/auth/sessions?limit=0', 'limit'],
    ['GET', '/auth/sessions?limit=100000', 'limit'],
    ['GET', '/auth/sessions?offset=-1', 'offset'],
    ['DELETE', '/auth/sessions/not%20an%20id', 'sessionId'],
    ['DELETE', `/auth/sessions/${'a'.repeat(65)}`, 'sessionId'],
  ])('answers 400 INVALID_ARGUMENT for %s %s', async (method, path, field) => {
    const token = await fixture.running.login('bob');
    const response = await fixture.running.request(method, path, { token });
    expect(response).toMatchObject({ status: 400, body: { statusCode: 400, code: 'INVALID_ARGUMENT' } });
    expect(response.body.message).toContain(field);
  });

  it('answers 400 for a login without credentials and 401 for wrong ones', async () => {
    expect(await fixture.running.request('POST', '/auth/login', { body: { username: 'alice' } })).toMatchObject({
      status: 400,
      body: { code: 'INVALID_ARGUMENT' },
    });
    expect(await fixture.running.request('POST', '/auth/login', { body: { username: 'alice', password: 'nope' } })).toMatchObject({
      status: 401,
      body: { code: 'INVALID_CREDENTIALS' },
    });
  });
});

describe('admin session routes over HTTP', () => {

  const fixture = useExampleApp({ tokenTracking: { maxUserSessions: 10 } });

  it('refuses a normal user with 403 on every admin route', async () => {
    const token = await fixture.running.login('alice');
    for (const [method, path] of [
      ['GET', '/admin/sessions/users/user-bob'],
      ['DELETE', '/admin/sessions/users/user-bob'],
      ['DELETE', `/admin/sessions/${'a'.repeat(43)}`],
    ] as const) {
      expect(await fixture.running.request(method, path, { token })).toMatchObject({ status: 403, body: { code: 'ADMIN_ACCESS_DENIED' } });
    }
  });

  it('requires a token before the role check', async () => {
    expect(await fixture.running.request('GET', '/admin/sessions/users/user-bob')).toMatchObject({ status: 401, body: { code: 'TOKEN_MISSING' } });
  });

  it("lists, revokes one of, and revokes all of a user's sessions", async () => {
    const admin = await fixture.running.login('admin');
    const bobTokens = [
      await fixture.running.login('bob', { 'user-agent': 'bob-phone' }),
      await fixture.running.login('bob', { 'user-agent': 'bob-laptop' }),
      await fixture.running.login('bob'),
    ];
    const listing = await fixture.running.request('GET', '/admin/sessions/users/user-bob', { token: admin });
    expect(listing.status).toBe(200);
    expect(listing.body).toMatchObject({ userId: 'user-bob', count: 3 });
    expect(listing.body.sessions[0]).toMatchObject({ userId: 'user-bob', userAgent: 'bob-phone', clientIp: '127.0.0.1' });
    expect(listing.body.sessions[0]).not.toHaveProperty('current');

    const firstSession = listing.body.sessions[0].sessionId;
    expect((await fixture.running.request('DELETE', `/admin/sessions/${firstSession}`, { token: admin })).status).toBe(204);
    expect((await fixture.running.request('GET', '/profile', { token: bobTokens[0] })).body.code).toBe('TOKEN_REVOKED');
    expect(await fixture.running.request('DELETE', `/admin/sessions/${firstSession}`, { token: admin })).toMatchObject({ status: 409 });
    expect(await fixture.running.request('DELETE', `/admin/sessions/${'z'.repeat(43)}`, { token: admin })).toMatchObject({
      status: 404,
      body: { code: 'SESSION_NOT_FOUND' },
    });

    expect(await fixture.running.request('DELETE', '/admin/sessions/users/user-bob', { token: admin })).toMatchObject({ status: 200, body: { revoked: 2 } });
    for (const token of bobTokens) expect((await fixture.running.request('GET', '/profile', { token })).status).toBe(401);
    expect((await fixture.running.request('GET', '/admin/sessions/users/user-bob', { token: admin })).body.count).toBe(0);
    expect((await fixture.running.request('GET', '/profile', { token: admin })).status).toBe(200);
  });

  it('documents both controllers in the OpenAPI document', async () => {
    const { body } = await fixture.running.request('GET', '/docs-json');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining([
      '/auth/sessions', '/auth/sessions/current', '/auth/sessions/others', '/auth/sessions/{sessionId}',
      '/admin/sessions/users/{userId}', '/admin/sessions/{sessionId}',
    ]));
    expect(body.paths['/auth/sessions/{sessionId}'].delete.responses).toHaveProperty('404');
  });
});

describe('admin routes with no authorization hook', () => {
  it('refuse every request with 403, even from an authenticated admin', async () => {
    const db = await createTestDatabase();
    const running = await startExampleApp({ prisma: db.prisma, tokenTracking: { adminRoutes: true } });
    try {
      const token = await running.login('admin');
      const response = await running.request('GET', '/admin/sessions/users/user-bob', { token });
      expect(response).toMatchObject({ status: 403, body: { code: 'ADMIN_ACCESS_DENIED' } });
      expect(response.body.message).toContain('adminRoutes.authorize');
    } finally {
      await running.close();
      await db.dispose();
    }
  });
});

describe('client IP behind a proxy', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.dispose();
  });

  it.each<[string, boolean | string, string]>([
    ['ignores X-Forwarded-For unless the proxy is trusted', false, '127.0.0.1'],
    ['records the forwarded client when trust proxy covers the proxy', 'loopback', '203.0.113.9'],
  ])('%s', async (_, trustProxy, expectedIp) => {
    const running = await startExampleApp({ prisma: db.prisma, trustProxy, tokenTracking: { maxUserSessions: 0 } });
    try {
      const token = await running.login('alice', { 'x-forwarded-for': '203.0.113.9' });
      const { body } = await running.request('GET', '/auth/sessions', { token });
      expect(body.sessions.find((session: { current: boolean }) => session.current).clientIp).toBe(expectedIp);
    } finally {
      await running.close();
    }
  });
});

describe('refresh over HTTP (example app)', () => {

  const fixture = useExampleApp({ tokenTracking: { refreshGraceSeconds: 0 } });

  const login = async () =>
    (await fixture.running.request('POST', '/auth/login', { body: { username: 'alice', password: 'alice-password' } })).body as {
      accessToken: string;
      refreshToken: string;
    };

  it('rotates the pair in the same session, and ends the session when an old refresh token comes back', async () => {
    const first = await login();
    const second = await fixture.running.request('POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(second.status).toBe(200);
    expect((await fixture.running.request('GET', '/profile', { token: second.body.accessToken })).body.sessionId).toBe(
      (await fixture.running.request('GET', '/profile', { token: first.accessToken })).body.sessionId,
    );
    expect((await fixture.running.request('GET', '/auth/sessions', { token: second.body.accessToken })).body.count).toBe(1);

    const reuse = await fixture.running.request('POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(reuse).toMatchObject({ status: 401, body: { code: 'REFRESH_TOKEN_REUSED' } });
    expect(await fixture.running.request('GET', '/profile', { token: second.body.accessToken })).toMatchObject({
      status: 401,
      body: { code: 'TOKEN_REVOKED' },
    });
    expect(await fixture.running.request('POST', '/auth/refresh', { body: { refreshToken: second.body.refreshToken } })).toMatchObject({
      status: 401,
      body: { code: 'TOKEN_REVOKED' },
    });
  });

  it('refuses a refresh token on a protected route and an access token at /auth/refresh', async () => {
    const pair = await login();
    expect(await fixture.running.request('GET', '/profile', { token: pair.refreshToken })).toMatchObject({
      status: 401,
      body: { code: 'TOKEN_TYPE_INVALID' },
    });
    expect(await fixture.running.request('POST', '/auth/refresh', { body: { refreshToken: pair.accessToken } })).toMatchObject({
      status: 401,
      body: { code: 'TOKEN_TYPE_INVALID' },
    });
    expect(await fixture.running.request('POST', '/auth/refresh', { body: {} })).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT' } });
  });

  it('logging out with the access token also ends the refresh token', async () => {
    const pair = await login();
    expect((await fixture.running.request('DELETE', '/auth/sessions/current', { token: pair.accessToken })).status).toBe(204);
    expect(await fixture.running.request('POST', '/auth/refresh', { body: { refreshToken: pair.refreshToken } })).toMatchObject({
      status: 401,
      body: { code: 'TOKEN_REVOKED' },
    });
  });
});
