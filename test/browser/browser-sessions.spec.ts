import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import type { BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { TokenTrackingService } from '../../src/index.js';
import { useExampleApp } from '../support/http-app.js';
import { chromiumPath, describeInChromium } from './chromium.js';
import { rawRequest, startOtherSite, startPrefixStrippingProxy } from './loopback-servers.js';

const COOKIE = '__Host-token-tracking-refresh';
const CSRF = 'x-token-tracking-csrf';
const ACCESS_LIFETIME_SECONDS = 6;

/** Every line the application logs, at every level. */
class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(...parts: unknown[]) { this.record(parts); }
  error(...parts: unknown[]) { this.record(parts); }
  warn(...parts: unknown[]) { this.record(parts); }
  debug(...parts: unknown[]) { this.record(parts); }
  verbose(...parts: unknown[]) { this.record(parts); }
  fatal(...parts: unknown[]) { this.record(parts); }
  private record(parts: unknown[]) { this.lines.push(parts.map((part) => (part instanceof Error ? `${part.message} ${part.stack}` : typeof part === 'string' ? part : JSON.stringify(part))).join(' ')); }
}

/** A JWT's payload, read without verifying (the test only compares ids). */
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { jti: string; sid: string };

/** Character by character, the left edge of `needle` where it first appears as text under `selector`. */
const LEFT_EDGES = `([selector, needle]) => {
  const root = document.querySelector(selector);
  if (!root) return null;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(needle);
    if (at < 0) continue;
    return [...needle].map((_, index) => {
      const range = document.createRange();
      range.setStart(node, at + index);
      range.setEnd(node, at + index + 1);
      return range.getBoundingClientRect().left;
    });
  }
  return null;
}`;

describeInChromium.each([['Express', 'express'], ['Fastify', 'fastify']] as const)('browser sessions in headless Chromium, on %s', (_, platform) => {
  const logger = new RecordingLogger();
  const fixture = useExampleApp({ platform, logger, tokenTracking: { expiresIn: ACCESS_LIFETIME_SECONDS, refreshGraceSeconds: 1, maxUserSessions: 0 } });
  /** The application as the browser sees it: `localhost`, so that 127.0.0.2 is another site. */
  const app = () => fixture.running.baseUrl.replace('127.0.0.1', 'localhost');
  const tokens = () => fixture.running.app.get(TokenTrackingService);

  let userDataDir: string;
  let context: BrowserContext;
  /** Every URL the browser requested, and every token the application sent it. */
  let requested: string[];
  let issued: string[];

  beforeEach(async () => {
    // Each test starts with nobody signed in.
    for (const userId of ['user-alice', 'user-bob', 'user-admin']) await tokens().revokeAllUserTokens(userId);
    userDataDir = await mkdtemp(join(tmpdir(), 'token-tracking-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath!,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    context.setDefaultTimeout(10_000);
    await context.addInitScript({ content: `document.addEventListener('securitypolicyviolation', (event) => {
      (window.__cspViolations = window.__cspViolations || []).push(event.violatedDirective + ' ' + event.blockedURI);
    });` });
    requested = [];
    issued = [];
    context.on('request', (request) => { requested.push(request.url()); });
    context.on('response', async (response) => {
      if (!/\/auth\/browser\/(login|refresh)$/.test(new URL(response.url()).pathname) || response.status() !== 200) return;
      const body = await response.json().catch(() => null);
      if (typeof body?.accessToken === 'string') issued.push(body.accessToken);
    });
  });
  afterEach(async () => {
    await context?.close();
    await rm(userDataDir, { recursive: true, force: true });
  });

  async function signInOnSpa(page: Page, username = 'alice', base = app()): Promise<void> {
    await page.goto(`${base}/spa`);
    await page.getByText('Sign in to continue.').waitFor();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(`${username}-password`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in.').waitFor();
  }
  async function refreshCookie(): Promise<string> {
    const cookies = (await context.cookies(app())).filter((cookie) => cookie.name === COOKIE);
    expect(cookies).toHaveLength(1);
    return cookies[0]!.value;
  }
  const sameOrigin = () => ({ origin: app(), [CSRF]: '1' });
  const activeRefreshJtis = async (userId: string) =>
    (await tokens().getActiveUserTokens(userId)).filter((token) => token.tokenUse === 'refresh').map((token) => token.jti);

  it('sets the refresh cookie as configured; script, storage, URLs, history and logs never hold a token', async () => {
    const page = await context.newPage();
    await signInOnSpa(page);
    const [cookie] = (await context.cookies(app())).filter((candidate) => candidate.name === COOKIE);
    expect(cookie).toMatchObject({ domain: 'localhost', path: '/', httpOnly: true, secure: true, sameSite: 'Strict' });
    // Max-Age from the refresh token's expiry (30 days by default).
    expect(cookie!.expires - Date.now() / 1000).toBeGreaterThan(2_592_000 - 120);
    expect(cookie!.expires - Date.now() / 1000).toBeLessThan(2_592_000 + 120);
    const refreshToken = cookie!.value;
    expect(claimsOf(refreshToken).sid).toBeTruthy();
    // The page, its icon included, loads under its strict policy.
    expect(await page.evaluate('window.__cspViolations ?? []')).toEqual([]);

    // A reload signs in silently from the cookie; the dashboard too, without a token anywhere in its address.
    await page.reload();
    await page.getByText('Signed in.').waitFor();
    await page.goto(`${app()}/sessions-dashboard`);
    expect(page.url()).toBe(`${app()}/sessions-dashboard`);
    await page.locator('.session.current').waitFor();
    expect(await page.getByText('Signed in as user-alice').count()).toBe(1);
    // Its modules load under the strict policy.
    expect(await page.evaluate('window.__cspViolations ?? []')).toEqual([]);

    expect(await page.evaluate('document.cookie')).toBe('');
    const storage = await page.evaluate('JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])');
    expect(storage).toBe('[[],[]]');
    const secrets = [refreshToken, await refreshCookie(), ...issued];
    expect(issued.length).toBeGreaterThanOrEqual(3);
    for (const url of requested) for (const secret of secrets) expect(url).not.toContain(secret);

    await context.close();
    const history = execFileSync('python3', ['-c', [
      'import sqlite3, sys',
      'rows = sqlite3.connect(sys.argv[1]).execute("SELECT url FROM urls").fetchall()',
      'print("\\n".join(row[0] for row in rows))',
    ].join('\n'), join(userDataDir, 'Default', 'History')], { encoding: 'utf8' });
    expect(history).toContain('/sessions-dashboard');
    for (const secret of secrets) expect(history).not.toContain(secret);
    expect(history).not.toMatch(/token=/);
    for (const line of logger.lines) for (const secret of secrets) expect(line).not.toContain(secret);
  });

  it('refuses another site: it cannot refresh, log out, log in or act on the dashboard, with or without Fetch Metadata', async () => {
    const page = await context.newPage();
    await signInOnSpa(page);
    await page.close(); // its renewals would rotate the cookie under the comparisons below
    const cookie = await refreshCookie();
    const { sid } = claimsOf(cookie);

    const target = app();
    const attacker = await startOtherSite(`<!doctype html><body>
      <iframe src="${target}/sessions-dashboard/"></iframe>
      <form id="logout" method="post" action="${target}/auth/browser/logout" target="sink"></form>
      <iframe name="sink"></iframe>
      <script>
        const outcome = (promise) => promise.then((r) => r.type + ' ' + r.status, (e) => 'refused ' + e.name);
        window.attempts = Promise.all([
          outcome(fetch('${target}/auth/browser/refresh', { method: 'POST', credentials: 'include', mode: 'no-cors' })),
          outcome(fetch('${target}/auth/browser/refresh', { method: 'POST', credentials: 'include', headers: { '${CSRF}': '1' } })),
          outcome(fetch('${target}/auth/browser/logout', { method: 'POST', credentials: 'include', mode: 'no-cors' })),
          outcome(fetch('${target}/auth/sessions', { method: 'DELETE', credentials: 'include' })),
          outcome(fetch('${target}/auth/browser/login', { method: 'POST', credentials: 'include', mode: 'no-cors', body: '{"username":"bob","password":"bob-password"}' })),
        ]);
        document.getElementById('logout').submit();
      </script></body>`);
    try {
      const evil = await context.newPage();
      await evil.goto(`${attacker.origin}/`);
      const attempts = await evil.evaluate('window.attempts') as string[];
      // Readable answers: none. The opaque ones are the server's 403s, which the page cannot see either.
      for (const attempt of attempts) expect(attempt).toMatch(/^(opaque 0|refused TypeError)$/);
      await evil.waitForTimeout(500);

      // Without Fetch Metadata (an old browser, or none): the Origin and the custom header decide.
      const refresh = `${target}/auth/browser/refresh`;
      const withCookie = { cookie: `${COOKIE}=${cookie}` };
      const refusals = [
        rawRequest(refresh, 'POST', { ...withCookie, origin: attacker.origin, [CSRF]: '1' }),
        rawRequest(refresh, 'POST', { ...withCookie }),
        rawRequest(refresh, 'POST', { ...withCookie, origin: attacker.origin, 'content-type': 'application/x-www-form-urlencoded' }),
        rawRequest(refresh, 'POST', { ...withCookie, origin: 'null', [CSRF]: '1' }),
        rawRequest(refresh, 'POST', { ...withCookie, [CSRF]: '1', 'sec-fetch-site': 'cross-site' }),
        rawRequest(refresh, 'POST', { ...withCookie, [CSRF]: '1', 'sec-fetch-site': 'same-site', origin: target.replace('localhost', 'sub.localhost') }),
        rawRequest(`${target}/auth/browser/logout`, 'POST', { ...withCookie, origin: attacker.origin, [CSRF]: '1' }),
        rawRequest(`${target}/auth/browser/logout`, 'POST', { ...withCookie }),
        rawRequest(`${target}/auth/browser/login`, 'POST', { origin: attacker.origin, [CSRF]: '1', 'content-type': 'application/json' }, '{"username":"bob","password":"bob-password"}'),
      ];
      for (const answer of await Promise.all(refusals)) {
        expect({ status: answer.status, code: answer.body?.code }).toEqual({ status: 403, code: 'CROSS_SITE_REQUEST_REFUSED' });
        expect(answer.headers['set-cookie']).toBeUndefined();
      }

      // Nothing moved: the same cookie, the same live refresh token, the session alive, nobody signed in as bob.
      expect(await refreshCookie()).toBe(cookie);
      expect(await activeRefreshJtis('user-alice')).toEqual([claimsOf(cookie).jti]);
      expect((await tokens().getUserSessions('user-alice')).map((session) => session.sessionId)).toEqual([sid]);
      expect(await tokens().getUserSessionCount('user-bob')).toBe(0);

      // The same request from the application's origin, without Fetch Metadata, is served (old browsers keep working).
      const served = await rawRequest(refresh, 'POST', { ...withCookie, ...sameOrigin() });
      expect(served.status).toBe(200);
      expect(String(served.headers['set-cookie'])).toMatch(new RegExp(`^${COOKIE}=[\\w.-]+; Max-Age=\\d+; Path=/; Secure; HttpOnly; SameSite=Strict$`));
    } finally {
      await attacker.close();
    }
  });

  it('refuses two refresh cookies of one name (one tossed in by a sibling host), deletes its own and ends its session', async () => {
    const page = await context.newPage();
    await signInOnSpa(page);
    await page.close();
    const cookie = await refreshCookie();
    const answer = await rawRequest(`${app()}/auth/browser/refresh`, 'POST', { cookie: `${COOKIE}=${cookie}; ${COOKIE}=planted`, ...sameOrigin() });
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 401, code: 'TOKEN_MALFORMED' });
    expect(String(answer.headers['set-cookie'])).toMatch(new RegExp(`^${COOKIE}=; Max-Age=0; Path=/`));
    // Deleted, the cookie was the session's only way back: the session is not left active until it expires.
    expect(await activeRefreshJtis('user-alice')).toEqual([]);
    expect(await tokens().getUserSessionCount('user-alice')).toBe(0);
  });

  it('keeps two tabs refreshing at the same moment signed in, on one chain', async () => {
    const first = await context.newPage();
    await signInOnSpa(first);
    const second = await context.newPage();
    await second.goto(`${app()}/spa`);
    await second.getByText('Signed in.').waitFor();
    const refreshNow = `fetch('../auth/browser/refresh', { method: 'POST', headers: { '${CSRF}': '1' } }).then(async (r) => ({ status: r.status, body: await r.json() }))`;
    const [a, b] = await Promise.all([first.evaluate(refreshNow), second.evaluate(refreshNow)]) as Array<{ status: number; body: { accessToken: string; sessionId: string } }>;
    expect([a!.status, b!.status]).toEqual([200, 200]);
    expect(a!.body.sessionId).toBe(b!.body.sessionId);
    for (const token of [a!.body.accessToken, b!.body.accessToken]) expect(await fixture.running.request('GET', '/profile', { token }).then((r) => r.status)).toBe(200);
    expect(await tokens().getUserSessionCount('user-alice')).toBe(1);
    expect(await activeRefreshJtis('user-alice')).toEqual([claimsOf(await refreshCookie()).jti]);
    // Both pages still call the API and renew.
    for (const page of [first, second]) {
      await page.getByRole('button', { name: 'Call /profile' }).click();
      await page.locator('#output', { hasText: 'user-alice' }).waitFor();
    }
  });

  it('ends the session when an old refresh cookie is replayed, and the page says why', async () => {
    const page = await context.newPage();
    await signInOnSpa(page);
    const stolen = await refreshCookie();
    await page.reload();
    await page.getByText('Signed in.').waitFor();
    expect(await refreshCookie()).not.toBe(stolen);
    await page.waitForTimeout(1_500); // past the grace period of 1 s

    const replay = await rawRequest(`${app()}/auth/browser/refresh`, 'POST', { cookie: `${COOKIE}=${stolen}`, ...sameOrigin() });
    expect({ status: replay.status, code: replay.body.code }).toEqual({ status: 401, code: 'REFRESH_TOKEN_REUSED' });
    expect(await tokens().getUserSessionCount('user-alice')).toBe(0);

    // The browser's own cookie now belongs to a revoked session.
    await page.goto(`${app()}/sessions-dashboard`);
    await page.getByText('Your session has ended: it was signed out elsewhere').waitFor();
    expect(await page.getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe(`${app()}/spa`);
    expect(await context.cookies(app())).toEqual([]);
  });

  it('ends the browser\'s session at its next refresh once another device revoked it, and the page says so', async () => {
    const page = await context.newPage();
    await signInOnSpa(page);
    await page.goto(`${app()}/sessions-dashboard`);
    await page.locator('.session.current').waitFor();
    const { sid } = claimsOf(await refreshCookie());

    const phone = await fixture.running.login('alice');
    expect((await fixture.running.request('DELETE', `/auth/sessions/${sid}`, { token: phone })).status).toBe(204);

    // No click: the page's own renewal (at 4/5 of a 6 s access token) finds the session over.
    await page.getByText('Your session has ended: it was signed out elsewhere').waitFor({ timeout: 15_000 });
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    expect(await context.cookies(app())).toEqual([]);
  });

  it('signs out through the cookie route and from the dashboard, deleting the cookie each time', async () => {
    const page = await context.newPage();
    await signInOnSpa(page);
    const { sid } = claimsOf(await refreshCookie());
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    expect(await context.cookies(app())).toEqual([]);
    expect((await tokens().getUserSessions('user-alice')).map((session) => session.sessionId)).not.toContain(sid);

    await signInOnSpa(page);
    await page.goto(`${app()}/sessions-dashboard`);
    await page.getByRole('button', { name: 'Sign out this device' }).click();
    await page.getByRole('group', { name: 'Sign out this device?' }).getByRole('button', { name: 'Sign out', exact: true }).and(page.locator(':not([disabled])')).click();
    await page.getByText('This device is signed out.').waitFor();
    expect(await context.cookies(app())).toEqual([]);
    await page.reload();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
  });

  it('isolates user-controlled text: a user id with U+202E cannot reverse the page\'s words', async () => {
    const reversing = '\u202Enimda';
    await tokens().generateTokenPair(reversing, {}, { userAgent: `Mozilla/5.0 \u202Eevil` });
    const page = await context.newPage();
    await signInOnSpa(page, 'admin');
    await page.goto(`${app()}/sessions-dashboard`);
    await page.locator('body[data-admin-access="granted"]').waitFor({ state: 'attached' });
    await page.getByRole('tab', { name: 'Admin' }).click();
    await page.getByLabel('User id', { exact: true }).fill(reversing);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.locator('#panel-admin .sessions[data-count="1"]').waitFor();

    await page.getByRole('button', { name: 'Revoke all of this user\'s tokens' }).click();
    await page.getByRole('group', { name: `Revoke every token of ${reversing}?` }).getByRole('button', { name: 'Revoke all' }).and(page.locator(':not([disabled])')).click();
    await page.locator('#notice', { hasText: 'session ended' }).waitFor();
    const edges = await page.evaluate(`(${LEFT_EDGES})(['#notice', ' session ended).'])`) as number[];
    expect(edges).not.toBeNull();
    for (let index = 1; index < edges.length; index += 1) expect(edges[index]!).toBeGreaterThan(edges[index - 1]!);
    const isolation = await page.evaluate(`[...document.querySelectorAll('#notice bdi, .user-id')].map((node) => getComputedStyle(node).unicodeBidi)`) as string[];
    expect(isolation.length).toBeGreaterThanOrEqual(2);
    expect(new Set(isolation)).toEqual(new Set(['isolate']));
  });

  it('works behind a proxy that strips a path prefix', async () => {
    const proxy = await startPrefixStrippingProxy(fixture.running.baseUrl, '/app');
    try {
      const page = await context.newPage();
      await signInOnSpa(page, 'alice', `${proxy.origin}/app`);
      // Express also routes the trailing slash, which the page sends back to its own address (relatively, so behind the prefix too).
      await page.goto(`${proxy.origin}/app/sessions-dashboard${platform === 'express' ? '/' : ''}`);
      expect(page.url()).toBe(`${proxy.origin}/app/sessions-dashboard`);
      await page.locator('.session.current').waitFor();
      expect(await page.getByText('Signed in as user-alice').count()).toBe(1);
      for (const url of requested.filter((candidate) => candidate.startsWith(proxy.origin))) expect(new URL(url).pathname).toMatch(/^\/app\//);
    } finally {
      await proxy.close();
    }
  });
});
