import { rawRequest } from '../browser/loopback-servers.js';
import { useExampleApp } from '../support/http-app.js';

const COOKIE = '__Host-token-tracking-refresh';

/** The cookie routes' HTTP contract, outside any browser (Chromium: test/browser/browser-sessions.spec.ts). */
describe('browser sessions over HTTP', () => {
  const fixture = useExampleApp({ tokenTracking: { sessionMaxLifetime: 3_600 } });
  const sameOrigin = () => ({ origin: fixture.running.baseUrl, 'x-token-tracking-csrf': '1' });

  // Each test starts with alice and bob signed out everywhere (the example caps them at 3 sessions).
  beforeEach(async () => {
    const admin = await fixture.running.login('admin');
    for (const userId of ['user-alice', 'user-bob']) {
      expect((await fixture.running.request('DELETE', `/admin/sessions/users/${userId}`, { token: admin })).status).toBeLessThan(300);
    }
    expect((await fixture.running.request('DELETE', '/auth/sessions/current', { token: admin })).status).toBe(204);
  });

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

  it('signs out every session whose refresh cookie verifies, whichever comes first, and nothing a bare id names', async () => {
    const own = await browserLogin('alice');
    const planted = await browserLogin('bob');
    const bystander = await browserLogin('bob');
    const ownSid = own.body.sessionId as string;
    // A planted cookie, read first, must not keep the browser's own session alive; an id is not a token and revokes nothing.
    const cookie = [`${COOKIE}=`, `${COOKIE}=garbage`, `${COOKIE}=${bystander.body.sessionId}`, planted.cookie, own.cookie].join('; ');
    const logout = await fixture.running.request('POST', '/auth/browser/logout', { headers: { ...sameOrigin(), cookie } });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(new RegExp(`^${COOKIE}=; Max-Age=0; Path=/;`));
    expect((await fixture.running.request('GET', '/profile', { token: own.body.accessToken })).body.code).toBe('TOKEN_REVOKED');
    expect((await fixture.running.request('GET', '/profile', { token: planted.body.accessToken })).body.code).toBe('TOKEN_REVOKED');
    expect((await fixture.running.request('GET', '/profile', { token: bystander.body.accessToken })).status).toBe(200);
    const refresh = await fixture.running.request('POST', '/auth/browser/refresh', { headers: { ...sameOrigin(), cookie: own.cookie } });
    expect({ status: refresh.status, code: refresh.body.code, sid: ownSid }).toEqual({ status: 401, code: 'TOKEN_REVOKED', sid: ownSid });
  });

  it('revokes the session of the refresh cookie a new login replaces, whoever signs in, and never the new one', async () => {
    const first = await browserLogin('alice');
    const again = await fixture.running.request('POST', '/auth/browser/login', {
      body: { username: 'alice', password: 'alice-password' }, headers: { ...sameOrigin(), cookie: first.cookie },
    });
    expect(again.status).toBe(200);
    expect((await fixture.running.request('GET', '/profile', { token: first.body.accessToken })).body.code).toBe('TOKEN_REVOKED');
    expect((await fixture.running.request('GET', '/profile', { token: again.body.accessToken })).status).toBe(200);

    // Another person on the same browser: the previous person's session cannot be reached from it any more either.
    const againCookie = `${COOKIE}=${/^[^=]+=([\w.-]+)/.exec(again.headers.get('set-cookie')!)![1]}`;
    const other = await fixture.running.request('POST', '/auth/browser/login', {
      body: { username: 'bob', password: 'bob-password' }, headers: { ...sameOrigin(), cookie: `${againCookie}; ${COOKIE}=not-a-token` },
    });
    expect(other.status).toBe(200);
    expect((await fixture.running.request('GET', '/profile', { token: again.body.accessToken })).body.code).toBe('TOKEN_REVOKED');
    expect((await fixture.running.request('GET', '/profile', { token: other.body.accessToken })).status).toBe(200);
  });

  it('reads only the exact cookie name: a lookalike a sibling host may set (byte 0xA0 before the prefix) is not the refresh cookie', async () => {
    const attacker = await browserLogin('bob');
    const value = attacker.cookie.slice(COOKIE.length + 1);
    const refresh = `${fixture.running.baseUrl}/auth/browser/refresh`;
    for (const lookalike of [`\xa0${COOKIE}`, `${COOKIE}\xa0`, `\xa0 ${COOKIE}`, COOKIE.toLowerCase()]) {
      // Node's client sends U+00A0 as the byte 0xA0, as Chromium sends the name it stored (fetch refuses it).
      const answer = await rawRequest(refresh, 'POST', { ...sameOrigin(), cookie: `${lookalike}=${value}` });
      expect({ lookalike: JSON.stringify(lookalike), status: answer.status, code: answer.body.code })
        .toEqual({ lookalike: JSON.stringify(lookalike), status: 401, code: 'TOKEN_MISSING' });
    }
    // Beside the browser's own cookie, the lookalike is ignored: no refusal, and the browser stays in its own session.
    const own = await browserLogin('alice');
    const both = await rawRequest(refresh, 'POST', { ...sameOrigin(), cookie: `\xa0${COOKIE}=${value}; ${own.cookie}` });
    expect({ status: both.status, sessionId: both.body.sessionId }).toEqual({ status: 200, sessionId: own.body.sessionId });
    // Spaces and tabs around a name are the header's own and still allowed.
    const spaced = await rawRequest(refresh, 'POST', { ...sameOrigin(), cookie: `a=1;\t ${COOKIE} =${value}` });
    expect({ status: spaced.status, sessionId: spaced.body.sessionId }).toEqual({ status: 200, sessionId: attacker.body.sessionId });
  });

  it('ends the sessions of two refresh cookies sent together, the browser\'s own included, as it deletes its cookie', async () => {
    const own = await browserLogin('alice');
    const planted = await browserLogin('bob');
    const answer = await fixture.running.request('POST', '/auth/browser/refresh', { headers: { ...sameOrigin(), cookie: `${planted.cookie}; ${own.cookie}` } });
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 401, code: 'TOKEN_MALFORMED' });
    expect(answer.headers.get('set-cookie')).toMatch(new RegExp(`^${COOKIE}=; Max-Age=0; Path=/;`));
    for (const session of [own, planted]) {
      expect((await fixture.running.request('GET', '/profile', { token: session.body.accessToken })).body.code).toBe('TOKEN_REVOKED');
    }
  });

  it('refuses its own Origin when the browser says the request is cross-site, without echoing the header', async () => {
    const { cookie } = await browserLogin('alice');
    for (const fetchSite of ['cross-site', 'same-site', '<b>x</b>']) {
      const answer = await fixture.running.request('POST', '/auth/browser/refresh', { headers: { ...sameOrigin(), cookie, 'sec-fetch-site': fetchSite } });
      expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 403, code: 'CROSS_SITE_REQUEST_REFUSED' });
      expect(answer.body.message).not.toContain(fetchSite);
      expect(answer.headers.get('set-cookie')).toBeNull();
    }
    const served = await fixture.running.request('POST', '/auth/browser/refresh', { headers: { ...sameOrigin(), cookie, 'sec-fetch-site': 'same-origin' } });
    expect(served.status).toBe(200);
  });
});

describe('browser sessions with a listed origin and a cookie without prefix', () => {
  const fixture = useExampleApp({
    tokenTracking: { browserSessions: { loginUrl: 'spa', cookie: { path: '/auth/browser' }, csrf: { allowedOrigins: ['https://app.example.test'] } } },
  });
  const NAME = '__Secure-token-tracking-refresh';

  it('serves a listed origin\'s cross-site request, and a logout behind a planted cookie still ends the browser\'s own session', async () => {
    const listed = { origin: 'https://app.example.test', 'sec-fetch-site': 'cross-site', 'x-token-tracking-csrf': '1' };
    const login = await fixture.running.request('POST', '/auth/browser/login', { body: { username: 'alice', password: 'alice-password' }, headers: listed });
    expect(login.status).toBe(200);
    const value = new RegExp(`^${NAME}=([\\w.-]+); Max-Age=\\d+; Path=/auth/browser; Secure; HttpOnly; SameSite=Strict$`).exec(login.headers.get('set-cookie')!)?.[1];
    expect(value).toBeDefined();
    const refresh = await fixture.running.request('POST', '/auth/browser/refresh', { headers: { ...listed, cookie: `${NAME}=${value}` } });
    expect(refresh.status).toBe(200);
    const next = /^[^=]+=([\w.-]+)/.exec(refresh.headers.get('set-cookie')!)![1];

    const logout = await fixture.running.request('POST', '/auth/browser/logout', { headers: { ...listed, cookie: `${NAME}=planted; ${NAME}=${next}` } });
    expect(logout.status).toBe(204);
    expect(logout.headers.getSetCookie()).toEqual([expect.stringMatching(new RegExp(`^${NAME}=; Max-Age=0; Path=/auth/browser;`))]);
    expect((await fixture.running.request('GET', '/profile', { token: refresh.body.accessToken })).body.code).toBe('TOKEN_REVOKED');
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

  it('answers the bearer login and refresh with no-store: their bodies hold both tokens', async () => {
    const login = await fixture.running.request('POST', '/auth/login', { body: { username: 'bob', password: 'bob-password' } });
    expect({ status: login.status, cacheControl: login.headers.get('cache-control') }).toEqual({ status: 200, cacheControl: 'no-store' });
    const refresh = await fixture.running.request('POST', '/auth/refresh', { body: { refreshToken: login.body.refreshToken } });
    expect({ status: refresh.status, cacheControl: refresh.headers.get('cache-control') }).toEqual({ status: 200, cacheControl: 'no-store' });
  });
});
