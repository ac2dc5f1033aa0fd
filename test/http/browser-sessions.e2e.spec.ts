import { useExampleApp } from '../support/http-app.js';

const COOKIE = '__Host-token-tracking-refresh';

/** The cookie routes' HTTP contract, outside any browser (Chromium: test/browser/browser-sessions.spec.ts). */
describe('browser sessions over HTTP', () => {
  const fixture = useExampleApp({ tokenTracking: { sessionMaxLifetime: 3_600 } });
  const sameOrigin = () => ({ origin: fixture.running.baseUrl, 'x-token-tracking-csrf': '1' });

  async function browserLogin(username: 'alice' | 'bob'): Promise<{ cookie: string; maxAge: number; body: any }> {
    const answer = await fixture.running.request('POST', '/auth/browser/login', { body: { username, password: `${username}-password` }, headers: sameOrigin() });
    expect(answer.status).toBe(200);
    const line = answer.headers.get('set-cookie')!;
    const [, value, maxAge] = new RegExp(`^${COOKIE}=([\\w.-]+); Max-Age=(\\d+); Path=/; Secure; HttpOnly; SameSite=Strict$`).exec(line) ?? [];
    expect(value).toBeDefined();
    // The application's own login route answers an access token: no cache may keep it.
    expect(answer.headers.get('cache-control')).toBe('no-store');
    return { cookie: `${COOKIE}=${value}`, maxAge: Number(maxAge), body: answer.body };
  }

  it('answers the access token in the body, never the refresh token, and stops the cookie at sessionMaxLifetime', async () => {
    const { cookie, maxAge, body } = await browserLogin('alice');
    expect(Object.keys(body).sort()).toEqual(['accessToken', 'expiresAt', 'expiresIn', 'sessionId', 'tokenType']);
    expect(JSON.stringify(body)).not.toContain(cookie.split('=')[1]);
    // The refresh token would live 30 days; the session ends after an hour, and so does the cookie.
    expect(maxAge).toBeGreaterThan(3_600 - 30);
    expect(maxAge).toBeLessThanOrEqual(3_600);
    expect((await fixture.running.request('GET', '/profile', { token: body.accessToken })).status).toBe(200);
  });

  it('refuses a refresh without a cookie, and signs out without one by deleting it', async () => {
    const refresh = await fixture.running.request('POST', '/auth/browser/refresh', { headers: sameOrigin() });
    expect({ status: refresh.status, code: refresh.body.code }).toEqual({ status: 401, code: 'TOKEN_MISSING' });
    expect(refresh.headers.get('set-cookie')).toBeNull();
    const logout = await fixture.running.request('POST', '/auth/browser/logout', { headers: sameOrigin() });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(new RegExp(`^${COOKIE}=; Max-Age=0; Path=/;.*Expires=Thu, 01 Jan 1970`));
  });

  it('signs out a session that already ended without an error, and the cookie is refused afterwards', async () => {
    const { cookie, body } = await browserLogin('bob');
    expect((await fixture.running.request('DELETE', '/auth/sessions', { token: body.accessToken })).status).toBe(200);
    const logout = await fixture.running.request('POST', '/auth/browser/logout', { headers: { ...sameOrigin(), cookie } });
    expect(logout.status).toBe(204);
    const refresh = await fixture.running.request('POST', '/auth/browser/refresh', { headers: { ...sameOrigin(), cookie } });
    expect({ status: refresh.status, code: refresh.body.code }).toEqual({ status: 401, code: 'TOKEN_REVOKED' });
    expect(refresh.headers.get('set-cookie')).toMatch(new RegExp(`^${COOKIE}=; Max-Age=0`));
  });

  it('deletes the cookie when the session routes end this device\'s session, and only then', async () => {
    const { body } = await browserLogin('alice');
    const other = await browserLogin('alice');
    const others = await fixture.running.request('DELETE', '/auth/sessions/others', { token: body.accessToken });
    expect(others.headers.get('set-cookie')).toBeNull();
    const one = await browserLogin('alice');
    const notThis = await fixture.running.request('DELETE', `/auth/sessions/${one.body.sessionId}`, { token: body.accessToken });
    expect({ status: notThis.status, cookie: notThis.headers.get('set-cookie') }).toEqual({ status: 204, cookie: null });
    const current = await fixture.running.request('DELETE', '/auth/sessions/current', { token: body.accessToken });
    expect(current.status).toBe(204);
    expect(current.headers.get('set-cookie')).toMatch(new RegExp(`^${COOKIE}=; Max-Age=0`));
    expect((await fixture.running.request('GET', '/profile', { token: other.body.accessToken })).status).toBe(401);
  });
});

describe('the bearer mode, without browser sessions', () => {
  const fixture = useExampleApp({ tokenTracking: { browserSessions: false } });

  it('mounts no cookie route and sets no cookie anywhere', async () => {
    const token = await fixture.running.login('alice');
    expect((await fixture.running.request('POST', '/auth/browser/refresh', { headers: { 'x-token-tracking-csrf': '1' } })).status).toBe(404);
    const current = await fixture.running.request('DELETE', '/auth/sessions/current', { token });
    expect({ status: current.status, cookie: current.headers.get('set-cookie') }).toEqual({ status: 204, cookie: null });
  });
});
