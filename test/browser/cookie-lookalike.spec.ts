import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { useExampleApp } from '../support/http-app.js';
import { chromiumPath, describeInChromium } from './chromium.js';

const COOKIE = '__Host-token-tracking-refresh';
const CSRF = 'x-token-tracking-csrf';

/**
 * Cookie tossing past the `__Host-` prefix, in a real browser: a sibling
 * host of the site sets, for the whole domain, a cookie whose name is the
 * byte 0xA0 followed by the refresh cookie's name. The browser applies no
 * prefix rule to that name, stores it and sends it to the application; the
 * application must not read it as its refresh cookie.
 */
describeInChromium('a lookalike of the refresh cookie planted by a sibling host, in headless Chromium', () => {
  const fixture = useExampleApp({});
  let browser: Browser;
  let sibling: Server;
  let planted = '';

  beforeAll(async () => {
    // Written byte for byte: Node's own Set-Cookie writer would refuse nothing here, but would not show the intent as plainly.
    sibling = createServer((_, response) => {
      const setCookie = Buffer.concat([Buffer.from([0xa0]), Buffer.from(`${COOKIE}=${planted}; Domain=example.test; Path=/; Max-Age=3600`, 'latin1')]);
      response.socket!.end(Buffer.concat([
        Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\nConnection: close\r\nSet-Cookie: '),
        setCookie,
        Buffer.from('\r\n\r\nok'),
      ]));
    });
    await new Promise<void>((resolve) => sibling.listen(0, '127.0.0.1', resolve));
    browser = await chromium.launch({
      executablePath: chromiumPath!,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--host-resolver-rules=MAP *.example.test 127.0.0.1'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => sibling?.close(resolve));
  });

  it('is stored and sent by the browser, and never taken for the refresh cookie', async () => {
    // The attacker's own session: its refresh token is what the sibling plants.
    const login = await fixture.running.request('POST', '/auth/browser/login', {
      body: { username: 'bob', password: 'bob-password' }, headers: { origin: fixture.running.baseUrl, [CSRF]: '1' },
    });
    expect(login.status).toBe(200);
    planted = new RegExp(`^${COOKIE}=([\\w.-]+);`).exec(login.headers.get('set-cookie')!)![1]!;

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://evil.example.test:${(sibling.address() as AddressInfo).port}/`);
      const app = `http://app.example.test:${new URL(fixture.running.baseUrl).port}`;
      // The attack's premise holds: the browser kept the lookalike for the whole site and sends it to the application.
      // (The DevTools protocol drops the 0xA0 from the name it reports; a __Host- cookie could never have a Domain.)
      expect((await context.cookies(app)).map((cookie) => ({ name: cookie.name.endsWith(COOKIE), domain: cookie.domain, value: cookie.value })))
        .toEqual([{ name: true, domain: '.example.test', value: planted }]);

      await page.goto(`${app}/spa`);
      const refresh = await page.evaluate(`fetch('/auth/browser/refresh', { method: 'POST', headers: { '${CSRF}': '1' } })
        .then(async (answer) => ({ status: answer.status, body: await answer.json() }))`) as { status: number; body: { code?: string } };
      expect({ status: refresh.status, code: refresh.body.code }).toEqual({ status: 401, code: 'TOKEN_MISSING' });
    } finally {
      await context.close();
    }
  });
});
