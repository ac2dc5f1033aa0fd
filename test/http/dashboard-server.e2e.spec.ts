import { useExampleApp } from '../support/http-app.js';

/** What the dashboard's server side promises, whatever the page does with it. */
describe('the sessions dashboard, served by the module', () => {
  const fixture = useExampleApp();

  it('serves the page with a strict Content-Security-Policy, its base and the JSON routes it may call', async () => {
    const response = await fetch(`${fixture.running.baseUrl}/sessions-dashboard`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = response.headers.get('content-security-policy')!;
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toContain('unsafe-inline');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    // Linked relative to the page's own address (no <base>): right under any prefix a proxy strips.
    expect(html).not.toContain('<base');
    expect(html).toContain('<script type="module" src="sessions-dashboard/dashboard.js"></script>');
    expect(html).toContain('href="sessions-dashboard/dashboard.css"');
    expect(html).toContain('content="{&#34;dashboardPath&#34;:&#34;sessions-dashboard&#34;,&#34;sessionsPath&#34;:&#34;auth/sessions&#34;,&#34;adminPath&#34;:&#34;admin/sessions&#34;');
    // No inline script at all: every <script> has a src.
    expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
  });

  it('sends a trailing slash back to the page\'s address, relatively, keeping the query', async () => {
    const response = await fetch(`${fixture.running.baseUrl}/sessions-dashboard/?view=admin`, { redirect: 'manual' });
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('../sessions-dashboard?view=admin');
  });

  it('serves its assets and nothing else', async () => {
    for (const module of ['dashboard.js', 'dashboard-auth.js', 'dashboard-config.js', 'dashboard-dom.js', 'devices.view.js', 'admin.view.js', 'sign-in.view.js']) {
      const script = await fetch(`${fixture.running.baseUrl}/sessions-dashboard/${module}`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    }
    for (const path of ['/sessions-dashboard/index.html', '/sessions-dashboard/..%2Fpackage.json', '/sessions-dashboard/nope.js']) {
      expect((await fetch(`${fixture.running.baseUrl}${path}`)).status).toBe(404);
    }
  });

  it('names each session\'s device in the listing, as text, even for a hostile User-Agent', async () => {
    const firefox = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0';
    const hostile = '<img src=x onerror=alert(1)>"; DROP TABLE token_sessions; --';
    const token = await fixture.running.login('bob', { 'user-agent': firefox });
    await fixture.running.login('bob', { 'user-agent': hostile });
    const listing = await fixture.running.request('GET', '/auth/sessions', { token });
    expect(listing.body.sessions.map((session: { device: unknown }) => session.device)).toEqual([
      { browser: 'Firefox 131.0', os: 'Windows 10', type: 'desktop', label: 'Firefox 131.0 on Windows 10' },
      { browser: null, os: null, type: 'unknown', label: 'Unknown device' },
    ]);
    expect(listing.body.sessions[1].userAgent).toBe(hostile);
  });
});

describe('the admin access check', () => {
  const fixture = useExampleApp();

  it('answers { allowed } for admins and others alike, never a 403, and marks the admin\'s own session', async () => {
    const alice = await fixture.running.login('alice');
    const admin = await fixture.running.login('admin');
    expect(await fixture.running.request('GET', '/admin/sessions/access', { token: alice })).toMatchObject({ status: 200, body: { allowed: false } });
    expect(await fixture.running.request('GET', '/admin/sessions/access', { token: admin })).toMatchObject({ status: 200, body: { allowed: true } });
    expect((await fixture.running.request('GET', '/admin/sessions/access')).status).toBe(401);
    expect((await fixture.running.request('GET', '/admin/sessions/users/user-bob', { token: alice })).status).toBe(403);
    const own = await fixture.running.request('GET', '/admin/sessions/users/user-admin', { token: admin });
    expect(own.body.sessions.map((session: { current: boolean }) => session.current)).toEqual([true]);
    expect(own.headers.get('cache-control')).toBe('no-store');
  });
});
