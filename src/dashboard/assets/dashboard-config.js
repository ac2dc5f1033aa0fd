// @ts-check
// What the server told the page (a <meta> of the page), and the URLs built
// from it. Every URL is relative to the page's own address: the page works
// under any global prefix and behind a proxy that strips one, whatever the
// server believes its public path to be.

/**
 * @typedef {{ refreshPath: string, logoutPath: string, csrfHeader: string, loginUrl: string | null }} BrowserSessionConfig
 * @typedef {{
 *   dashboardPath: string, sessionsPath: string, adminPath: string | null, tokenStorageKey: string,
 *   browserSessions: BrowserSessionConfig | null
 * }} Config
 */

export const PAGE_SIZE = 10;

/** @type {Config} */
export const config = readConfig();

/** @returns {Config} */
function readConfig() {
  const meta = document.querySelector('meta[name="token-tracking-config"]');
  const parsed = JSON.parse(meta?.getAttribute('content') ?? '{}');
  const text = (/** @type {unknown} */ value, /** @type {string} */ fallback) => (typeof value === 'string' ? value : fallback);
  const browser = parsed.browserSessions;
  return {
    dashboardPath: text(parsed.dashboardPath, 'sessions-dashboard'),
    sessionsPath: text(parsed.sessionsPath, 'auth/sessions'),
    adminPath: typeof parsed.adminPath === 'string' ? parsed.adminPath : null,
    tokenStorageKey: text(parsed.tokenStorageKey, 'token-tracking:access-token'),
    browserSessions: typeof browser === 'object' && browser !== null ? {
      refreshPath: text(browser.refreshPath, 'auth/browser/refresh'),
      logoutPath: text(browser.logoutPath, 'auth/browser/logout'),
      csrfHeader: text(browser.csrfHeader, 'x-token-tracking-csrf'),
      loginUrl: typeof browser.loginUrl === 'string' ? browser.loginUrl : null,
    } : null,
  };
}

/** The application's root: the page is at `<root>/<dashboardPath>` (no trailing slash). */
function apiRoot() {
  const depth = config.dashboardPath.split('/').filter(Boolean).length;
  return new URL(depth <= 1 ? './' : '../'.repeat(depth - 1), location.href);
}

/** @param {string} routes @param {string[]} [segments] @param {{ limit: number, offset: number }} [page] */
export function apiUrl(routes, segments = [], page) {
  const url = new URL([routes, ...segments.map(encodeURIComponent)].join('/'), apiRoot());
  if (page) {
    url.searchParams.set('limit', String(page.limit));
    url.searchParams.set('offset', String(page.offset));
  }
  return url;
}

/** The application's sign-in page, when configured and http(s). */
export function loginUrl() {
  const configured = config.browserSessions?.loginUrl;
  if (!configured) return null;
  const url = new URL(configured, apiRoot());
  return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
}
