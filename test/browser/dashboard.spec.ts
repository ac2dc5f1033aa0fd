import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { RunningApp, useExampleApp } from '../support/http-app.js';
import { describeInChromium, launchChromium } from './chromium.js';

/** The docs' screenshots are refreshed only when asked (UPDATE_SCREENSHOTS=1): a test run changes no tracked file. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(process.cwd(), 'docs', 'screenshots') : join(process.cwd(), '.build', 'screenshots');
const VIEWPORT = { width: 1280, height: 800 };
const STORAGE_KEY = 'token-tracking:access-token';
/** These specs run the page as a bearer-only application has it: the token pasted, held in memory (docs/http.md). */
const BEARER_ONLY = { browserSessions: false } as const;

const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const CHROME_ANDROID_TABLET = 'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
/** Markup that would run if the page ever parsed what it shows as HTML. */
const HOSTILE_AGENT = '<img src=x onerror="window.__xss=1"></script><script>window.__xss=2</script>';
const HOSTILE_USER_ID = '<img src=x onerror="window.__xss=3"><script>window.__xss=4</script>';

const FIREFOX_LABEL = 'Firefox 131.0 on Windows 10';
const IPHONE_LABEL = 'Safari 17.5 on iOS 17.5';
const TABLET_LABEL = 'Chrome 126.0.0.0 on Android 14';
const MAC_LABEL = 'Chrome 126.0.0.0 on macOS Catalina';

/** Collects the page's CSP violations (Chromium also logs them as console errors, which fail the test too). */
const WATCH_CSP = `document.addEventListener('securitypolicyviolation', (event) => {
  (window.__cspViolations = window.__cspViolations || []).push(event.violatedDirective + ' ' + event.blockedURI);
});`;

interface OpenPage {
  readonly page: Page;
  /**
   * Fails when the page logged an error, threw, hit the CSP or ran injected
   * script, or when an API call failed other than as expected: Chromium logs
   * every 4xx as a console error, listed here as "STATUS /path" (the 401 of
   * a revoked token). Asking whether the admin tab applies costs no 4xx.
   */
  assertClean(expectedHttpErrors?: string[]): Promise<void>;
}

const FAILED_RESOURCE = /^Failed to load resource: the server responded with a status of (\d+)/;

describeInChromium('the sessions dashboard in headless Chromium', () => {
  let browser: Browser;
  /** One tab for the whole file (a new one costs more than the test using it); each test navigates it afresh. */
  let tab: { context: BrowserContext; page: Page; problems: string[]; httpErrors: string[] } | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await tab?.context.close();
    await browser?.close();
  });

  async function newTab(): Promise<NonNullable<typeof tab>> {
    const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-US', timezoneId: 'UTC', colorScheme: 'light' });
    const page = await context.newPage();
    page.setDefaultTimeout(5_000);
    const opened = { context, page, problems: [] as string[], httpErrors: [] as string[] };
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const failed = FAILED_RESOURCE.exec(message.text());
      if (failed) opened.httpErrors.push(`${failed[1]} ${new URL(message.location().url).pathname}`);
      else opened.problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => opened.problems.push(`page error: ${error.message}`));
    await page.addInitScript({ content: WATCH_CSP });
    return opened;
  }

  /** Loads the dashboard afresh and, when given a token, pastes it into the sign-in form. */
  async function open(running: RunningApp, token?: string): Promise<OpenPage> {
    tab ??= await newTab();
    const { page, problems, httpErrors } = tab;
    await page.goto('about:blank');
    problems.length = 0;
    httpErrors.length = 0;
    await page.goto(`${running.baseUrl}/sessions-dashboard`);
    if (token !== undefined) {
      await page.getByLabel('Access token', { exact: true }).fill(token);
      await page.getByRole('button', { name: 'Show my sessions' }).click();
    }
    return {
      page,
      assertClean: async (expectedHttpErrors = []) => {
        expect(problems).toEqual([]);
        expect(httpErrors).toEqual(expectedHttpErrors);
        expect(await page.evaluate('window.__cspViolations ?? []')).toEqual([]);
        expect(await page.evaluate('typeof window.__xss')).toBe('undefined');
        expect(await page.locator('img, script:not([src])').count()).toBe(0);
      },
    };
  }

  const card = (page: Page, label: string) => page.locator('.session', { has: page.locator('.device-label', { hasText: label }) });
  /** Waits until the panel shows exactly this many sessions (0: its empty state). */
  async function waitForCount(page: Page, count: number, panel = '#app'): Promise<void> {
    const selector = count === 0 ? `${panel} .empty` : `${panel} .sessions[data-count="${count}"]`;
    await page.locator(selector).waitFor();
  }
  /** Clicks a button, then the confirmation that replaces it (which only becomes clickable after a moment). */
  async function clickAndConfirm(page: Page, trigger: Locator, question: string, confirmLabel: string): Promise<void> {
    await trigger.click();
    await (await armedConfirmation(page, question, confirmLabel)).click();
  }
  /**
   * The confirm button of an in-place confirmation, once it takes clicks (it
   * is inert for a moment; waiting for that is quicker than click()'s retries).
   */
  async function armedConfirmation(page: Page, question: string, confirmLabel: string): Promise<Locator> {
    const confirm = page.getByRole('group', { name: question }).getByRole('button', { name: confirmLabel, exact: true });
    await confirm.and(page.locator(':not([disabled])')).waitFor();
    return confirm;
  }
  const status = async (running: RunningApp, token: string) => (await running.request('GET', '/profile', { token })).status;

  // These run in order on one database: each starts where the previous one left alice's sessions.
  describe('in the example application', () => {
    const fixture = useExampleApp({ tokenTracking: BEARER_ONLY });
    const alice = { firefox: '', iphone: '', hostile: '' };

    beforeAll(async () => {
      alice.firefox = await fixture.running.login('alice', { 'user-agent': FIREFOX_WINDOWS });
      alice.iphone = await fixture.running.login('alice', { 'user-agent': SAFARI_IPHONE });
      alice.hostile = await fixture.running.login('alice', { 'user-agent': HOSTILE_AGENT });
    });

    it('lists my devices: named, typed, the current one marked, hostile User-Agents shown as text; no admin tab for a user', async () => {
      const { page, assertClean } = await open(fixture.running, alice.firefox);
      await waitForCount(page, 3);

      expect(await page.locator('.session .device-label').allTextContents()).toEqual([FIREFOX_LABEL, IPHONE_LABEL, 'Unknown device']);
      expect(await page.locator('.session .device-type').allTextContents()).toEqual(['DesktopThis device', 'Mobile', 'Unknown type']);
      expect(await page.locator('.session.current .device-label').allTextContents()).toEqual([FIREFOX_LABEL]);
      expect(await card(page, 'Unknown device').locator('.user-agent code').textContent()).toBe(HOSTILE_AGENT);
      expect(await page.locator('.session .ip').allTextContents()).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
      const signedIn = page.locator('.session').first().locator('time').first();
      expect(await signedIn.textContent()).toBe('just now');
      expect(await signedIn.getAttribute('title')).toMatch(/\d{4}.*UTC/);
      expect(await page.getByText('Signed in as user-alice').count()).toBe(1);

      // The pasted token is in the page's memory only: not in its address, not in storage.
      expect(page.url()).toBe(`${fixture.running.baseUrl}/sessions-dashboard`);
      expect(await page.evaluate('JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])')).toBe('[[],[]]');

      // alice is no admin: the probe is refused and the tab never appears.
      await page.locator('body[data-admin-access="denied"]').waitFor({ state: 'attached' });
      expect(await page.getByRole('tab').count()).toBe(0);
      await page.screenshot({ path: join(SCREENSHOTS, 'my-devices.png') });
      await assertClean();
    });

    it('asks before signing a device out, ignores a double click, and the device\'s token stops working', async () => {
      const { page, assertClean } = await open(fixture.running, alice.firefox);
      await waitForCount(page, 3);

      // Cancel puts the button back.
      await card(page, 'Unknown device').getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Cancel' }).click();
      await card(page, 'Unknown device').getByRole('button', { name: 'Sign out' }).waitFor();

      // A double click only opens the confirmation.
      await card(page, IPHONE_LABEL).getByRole('button', { name: 'Sign out' }).dblclick();
      const confirmation = page.getByRole('group', { name: `Sign out ${IPHONE_LABEL}?` });
      await confirmation.waitFor();
      expect((await fixture.running.request('GET', '/auth/sessions', { token: alice.firefox })).body.count).toBe(3);
      expect(await status(fixture.running, alice.iphone)).toBe(200);

      await (await armedConfirmation(page, `Sign out ${IPHONE_LABEL}?`, 'Sign out')).click();
      await waitForCount(page, 2);
      expect(await page.locator('#notice').textContent()).toContain(`Signed out ${IPHONE_LABEL}.`);
      expect(await page.locator('.session .device-label').allTextContents()).toEqual([FIREFOX_LABEL, 'Unknown device']);
      expect(await status(fixture.running, alice.iphone)).toBe(401);
      expect(await status(fixture.running, alice.firefox)).toBe(200);
      await assertClean();
    });

    it('signs out all other devices', async () => {
      const { page, assertClean } = await open(fixture.running, alice.firefox);
      await waitForCount(page, 2);
      const deletes: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'DELETE') deletes.push(new URL(request.url()).pathname);
      });
      await page.getByRole('button', { name: 'Sign out all other devices' }).click();
      // A double click on the confirmation sends one request.
      await (await armedConfirmation(page, 'Sign out every other device?', 'Sign out others')).dblclick();
      await waitForCount(page, 1);
      expect(deletes).toEqual(['/auth/sessions/others']);
      expect(await page.locator('#notice').textContent()).toContain('Signed out 1 other device.');
      expect(await page.locator('.session.current .device-label').allTextContents()).toEqual([FIREFOX_LABEL]);
      expect(await status(fixture.running, alice.hostile)).toBe(401);
      expect(await status(fixture.running, alice.firefox)).toBe(200);
      await assertClean();
    });

    it('signs out everywhere, then says the page has no valid token and asks for one', async () => {
      const tablet = await fixture.running.login('alice', { 'user-agent': CHROME_ANDROID_TABLET });
      const { page, assertClean } = await open(fixture.running, alice.firefox);
      await waitForCount(page, 2);
      expect(await card(page, TABLET_LABEL).locator('.device-type').textContent()).toBe('Tablet');

      await clickAndConfirm(page, page.getByRole('button', { name: 'Sign out everywhere' }), 'Sign out everywhere, this device included?', 'Sign out everywhere');
      await page.locator('#token-input').waitFor();
      expect(await page.locator('.message').textContent()).toMatch(/Signed out everywhere \(2 sessions ended\)\. This page has no valid token any more/);
      expect(await status(fixture.running, alice.firefox)).toBe(401);
      expect(await status(fixture.running, tablet)).toBe(401);
      await assertClean();
    });

    it('forgets a refused token, shows why, takes a pasted one; signing this device out leaves no token', async () => {
      const { page, assertClean } = await open(fixture.running, alice.firefox);
      const message = page.locator('.message-error');
      await message.waitFor();
      expect(await message.textContent()).toMatch(/Your session has ended: it was signed out elsewhere/);

      await page.getByLabel('Access token', { exact: true }).fill('not a token');
      await page.getByRole('button', { name: 'Show my sessions' }).click();
      expect(await page.locator('#token-error').textContent()).toContain('Paste an access token');

      const mac = await fixture.running.login('alice', { 'user-agent': CHROME_MAC });
      await page.getByLabel('Access token', { exact: true }).fill(`Bearer ${mac}`);
      await page.getByRole('button', { name: 'Show my sessions' }).click();
      await waitForCount(page, 1);
      expect(await page.locator('.session.current .device-label').allTextContents()).toEqual([MAC_LABEL]);

      // Signing this device out leaves the page without a token, and says so.
      await clickAndConfirm(page, page.getByRole('button', { name: 'Sign out this device' }), 'Sign out this device?', 'Sign out');
      await page.locator('.message-success').waitFor();
      expect(await page.locator('.message-success').textContent()).toContain('This device is signed out: the page\'s token no longer works.');
      expect(await status(fixture.running, mac)).toBe(401);
      await assertClean(['401 /auth/sessions']);
    });

    it('takes no token from its address: one left there by an older link is discarded and said so, and what older versions stored is deleted', async () => {
      const mac = await fixture.running.login('alice', { 'user-agent': CHROME_MAC });
      tab ??= await newTab();
      const { page } = tab;
      await page.goto(`${fixture.running.baseUrl}/sessions-dashboard`);
      await page.evaluate(`sessionStorage.setItem(${JSON.stringify(STORAGE_KEY)}, ${JSON.stringify(mac)})`);
      await page.goto('about:blank');
      await page.goto(`${fixture.running.baseUrl}/sessions-dashboard#token=${mac}`);
      await page.locator('#notice', { hasText: 'A token in the page\'s address is not accepted' }).waitFor();
      expect(page.url()).toBe(`${fixture.running.baseUrl}/sessions-dashboard`);
      await page.locator('#token-input').waitFor();
      expect(await page.locator('.session').count()).toBe(0);
      expect(await page.evaluate(`sessionStorage.getItem(${JSON.stringify(STORAGE_KEY)})`)).toBeNull();

      // Links other tools build put it in the query as well; the page keeps the rest of its address.
      const addresses = [
        [`?token=${mac}`, ''], [`?view=mine&access_token=${mac}`, '?view=mine'], [`#access_token=${mac}&tab=2`, '#tab=2'],
        [`?TOKEN=${mac}&view=mine`, '?view=mine'], [`?jwt=${mac}`, ''], [`?refresh_token=${mac}`, ''], [`?token[]=${mac}`, ''], [`?token+=${mac}`, ''],
        // Not a parameter of its own, yet a JWT: the whole query or fragment goes.
        [`?a=1;token=${mac}`, ''], [`#/sessions?token=${mac}`, ''], [`?view=${encodeURIComponent(mac)}#tab=2`, '#tab=2'],
        // Dots escaped beside a malformed escape, or escaped twice: still a JWT.
        [`?x=${mac.replaceAll('.', '%2E')}&y=%`, ''], [`#x=${mac.replaceAll('.', '%252E')}`, ''],
      ] as const;
      for (const [address, kept] of addresses) {
        await page.goto('about:blank');
        await page.goto(`${fixture.running.baseUrl}/sessions-dashboard${address}`);
        await page.locator('#notice', { hasText: 'A token in the page\'s address is not accepted' }).waitFor();
        expect(page.url()).not.toContain(mac);
        expect(page.url()).toBe(`${fixture.running.baseUrl}/sessions-dashboard${kept}`);
        expect(await page.locator('.session').count()).toBe(0);
      }
      expect((await fixture.running.request('DELETE', '/auth/sessions/current', { token: mac })).status).toBe(204);
    });

    it('lets an admin look users up and revoke one session or all of them; hostile user ids stay text', async () => {
      const aliceMac = await fixture.running.login('alice', { 'user-agent': CHROME_MAC });
      const bob = {
        firefox: await fixture.running.login('bob', { 'user-agent': FIREFOX_WINDOWS }),
        iphone: await fixture.running.login('bob', { 'user-agent': SAFARI_IPHONE }),
        tablet: await fixture.running.login('bob', { 'user-agent': CHROME_ANDROID_TABLET }),
      };
      const admin = await fixture.running.login('admin', { 'user-agent': CHROME_MAC });
      const { page, assertClean } = await open(fixture.running, admin);
      await page.locator('body[data-admin-access="granted"]').waitFor({ state: 'attached' });
      await page.getByRole('tab', { name: 'Admin' }).click();
      const panel = page.locator('#panel-admin');
      await panel.waitFor();
      expect(await page.locator('#panel-mine').isHidden()).toBe(true);

      await page.getByLabel('User id', { exact: true }).fill('user-bob');
      await page.getByRole('button', { name: 'Look up' }).click();
      await waitForCount(page, 3, '#panel-admin');
      expect(await panel.locator('.device-label').allTextContents()).toEqual([FIREFOX_LABEL, IPHONE_LABEL, TABLET_LABEL]);
      expect(await panel.locator('#admin-results-heading').textContent()).toBe('Sessions of user-bob');
      await page.screenshot({ path: join(SCREENSHOTS, 'admin.png') });

      await clickAndConfirm(page, card(page, IPHONE_LABEL).getByRole('button', { name: 'Revoke' }), `Revoke ${IPHONE_LABEL}?`, 'Revoke');
      await waitForCount(page, 2, '#panel-admin');
      expect(await status(fixture.running, bob.iphone)).toBe(401);
      expect(await status(fixture.running, bob.firefox)).toBe(200);

      await clickAndConfirm(page, page.getByRole('button', { name: 'Revoke all of this user\'s tokens' }), 'Revoke every token of user-bob?', 'Revoke all');
      await waitForCount(page, 0, '#panel-admin');
      expect(await page.locator('#notice').textContent()).toContain('Revoked all tokens of user-bob (2 sessions ended).');
      expect(await status(fixture.running, bob.firefox)).toBe(401);
      expect(await status(fixture.running, bob.tablet)).toBe(401);

      await page.getByLabel('User id', { exact: true }).fill('user-alice');
      await page.getByRole('button', { name: 'Look up' }).click();
      await waitForCount(page, 1, '#panel-admin');
      expect(await panel.locator('.device-label').allTextContents()).toEqual([MAC_LABEL]);
      expect(await status(fixture.running, aliceMac)).toBe(200);

      await page.getByLabel('User id', { exact: true }).fill(HOSTILE_USER_ID);
      await page.getByRole('button', { name: 'Look up' }).click();
      await waitForCount(page, 0, '#panel-admin');
      expect(await panel.locator('#admin-results-heading .user-id').textContent()).toBe(HOSTILE_USER_ID);
      await assertClean();
    });
  });

  describe('with more sessions than a page holds', () => {
    const fixture = useExampleApp({ tokenTracking: { ...BEARER_ONLY, maxUserSessions: 0 } });

    it('pages through them and steps back when the last page empties', async () => {
      const tokens: string[] = [];
      for (let index = 0; index < 12; index += 1) tokens.push(await fixture.running.login('bob', { 'user-agent': `${FIREFOX_WINDOWS} device-${index}` }));
      const { page, assertClean } = await open(fixture.running, tokens[0]);
      await waitForCount(page, 10);
      const pager = page.getByRole('navigation', { name: 'Pages of my devices' });
      expect(await pager.locator('.pager-status').textContent()).toBe('1–10 of 12');
      expect(await pager.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);
      expect(await page.locator('.session.current').count()).toBe(1);

      await pager.getByRole('button', { name: 'Next' }).click();
      await waitForCount(page, 2);
      expect(await pager.locator('.pager-status').textContent()).toBe('11–12 of 12');
      expect(await pager.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
      expect(await page.locator('.session .user-agent code').allTextContents()).toEqual([`${FIREFOX_WINDOWS} device-10`, `${FIREFOX_WINDOWS} device-11`]);

      for (const expected of [1, 10]) {
        const last = page.locator('.session').last();
        await clickAndConfirm(page, last.getByRole('button', { name: 'Sign out' }), `Sign out ${FIREFOX_LABEL}?`, 'Sign out');
        await waitForCount(page, expected);
      }
      // The second page emptied: back on the first, which now holds everything.
      expect(await page.getByRole('navigation', { name: 'Pages of my devices' }).count()).toBe(0);
      expect(await status(fixture.running, tokens[11]!)).toBe(401);
      expect(await status(fixture.running, tokens[10]!)).toBe(401);
      await assertClean();
    });
  });
});
