// @ts-check
// The access token, in this page's memory only: never in a URL, storage or
// a cookie script can read. With browser sessions it comes from the refresh
// cookie's route (HttpOnly: this script never sees the refresh token) and is
// renewed before it expires; otherwise it is pasted by the person.

import { apiUrl, config } from './dashboard-config.js';

export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * `generation` changes when the signed-in identity changes (sign-in, sign
 * out): answers to requests made before are dropped. A renewal of the same
 * session's access token does not change it.
 */
export const auth = {
  /** @type {string | null} */
  token: null,
  generation: 0,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  renewal: undefined,
  /** @type {Promise<void> | null} */
  refreshing: null,
};

/** @param {string | null} token */
export function setToken(token) {
  auth.token = token;
  auth.generation += 1;
  clearTimeout(auth.renewal);
  auth.refreshing = null;
}

/** A bearer token is visible ASCII without spaces; anything else cannot go into a header. */
export function cleanToken(/** @type {string} */ raw) {
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  return /^[\x21-\x7e]+$/.test(token) ? token : null;
}

/** Names that carry a token in the links other tools build, in any case, `[]` or spaces around them. */
const TOKEN_PARAMETER = /^\s*(access_token|refresh_token|id_token|token|jwt)\s*(\[\])?\s*$/i;
/** What a JWT looks like once decoded: a JSON header in base64url, then two more parts. */
const JWT_LIKE = /eyJ[\w-]*\.[\w-]*\.[\w-]*/;

/**
 * Earlier versions kept the token in sessionStorage and took it from a
 * `#token=` fragment: both are cleared, and a token in the address is
 * taken out of it (and so out of the history entry) before anything else
 * runs: parameters named like one, in the query or the fragment; and when
 * what is left still holds something shaped like a JWT (`?a=1;token=…`,
 * `#/route?token=…`), that whole query or fragment. Returns whether the
 * address held a token.
 */
export function forgetLegacyTokens() {
  try {
    sessionStorage.removeItem(config.tokenStorageKey);
  } catch {
    // Storage disabled: nothing was kept there.
  }
  const query = withoutTokens(location.search.replace(/^\?/, ''));
  const fragment = withoutTokens(location.hash.replace(/^#/, ''));
  if (!query.held && !fragment.held) return false;
  history.replaceState(history.state, '', `${location.pathname}${query.text ? `?${query.text}` : ''}${fragment.text ? `#${fragment.text}` : ''}`);
  return true;
}

/** @param {string} text a query or fragment, without its `?` or `#` @returns {{ text: string, held: boolean }} */
function withoutTokens(text) {
  const params = new URLSearchParams(text);
  const named = [...params.keys()].filter((name) => TOKEN_PARAMETER.test(name));
  for (const name of named) params.delete(name);
  const rest = named.length > 0 ? params.toString() : text;
  if (JWT_LIKE.test(decoded(rest))) return { text: '', held: true };
  return { text: rest, held: named.length > 0 };
}

/**
 * `text` with its escapes decoded one by one (a malformed one stays as it
 * is, where `decodeURIComponent` would give up on the whole text), again
 * until nothing changes, so that a token escaped twice shows too.
 * @param {string} text
 */
function decoded(text) {
  let current = text.replace(/\+/g, ' ');
  for (let pass = 0; pass < 5; pass++) {
    const next = current.replace(/%([0-9a-f]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    if (next === current) break;
    current = next;
  }
  return current;
}

/**
 * A new access token from the refresh cookie (browser sessions only), and
 * the next renewal scheduled before it expires. Concurrent callers share
 * one request; other tabs refreshing at the same moment are covered by the
 * server's grace period.
 * @returns {Promise<void>}
 */
export function refreshAccessToken() {
  auth.refreshing ??= (async () => {
    const browser = config.browserSessions;
    if (!browser) throw new ApiError(401, 'TOKEN_MISSING', 'no browser session');
    const generation = auth.generation;
    const body = await send('POST', apiUrl(browser.refreshPath), { [browser.csrfHeader]: '1' }, 'same-origin');
    if (generation !== auth.generation) throw new ApiError(0, 'STALE', 'signed out during the refresh');
    if (typeof body?.accessToken !== 'string') throw new ApiError(0, 'UNEXPECTED_ANSWER', 'the server sent no access token');
    auth.token = body.accessToken;
    scheduleRenewal(Number(body.expiresIn));
  })().finally(() => {
    auth.refreshing = null;
  });
  return auth.refreshing;
}

/** Renews at four fifths of the access token's lifetime; a failure there signs the page out with its reason. */
function scheduleRenewal(/** @type {number} */ expiresInSeconds) {
  clearTimeout(auth.renewal);
  const seconds = Number.isFinite(expiresInSeconds) ? Math.max(2, expiresInSeconds * 0.8) : 60;
  auth.renewal = setTimeout(() => {
    refreshAccessToken().catch((error) => window.dispatchEvent(new CustomEvent('token-tracking:session-ended', { detail: error })));
  }, seconds * 1000);
}

/** Ends this browser's session through the cookie route and deletes the cookie. */
export async function signOutBrowser() {
  const browser = config.browserSessions;
  if (!browser) return;
  await send('POST', apiUrl(browser.logoutPath), { [browser.csrfHeader]: '1' }, 'same-origin');
}

/**
 * Calls a JSON route with the bearer token. A 401 with a browser session
 * gets one refresh and one retry (the access token may have expired); when
 * the refresh fails, its error — why the session ended — is thrown.
 * @param {string} method @param {URL} url
 */
export async function api(method, url) {
  const generation = auth.generation;
  // The cookie goes along (same origin only) so that the answer to "sign this device out" can delete it;
  // these routes authenticate by the bearer token alone, so the cookie gives a forged request nothing.
  const attempt = () => send(method, url, { Authorization: `Bearer ${auth.token ?? ''}` }, 'same-origin');
  let body;
  try {
    body = await attempt();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401 || !config.browserSessions) throw error;
    await refreshAccessToken();
    body = await attempt();
  }
  if (generation !== auth.generation) throw new ApiError(0, 'STALE', 'signed out during the request');
  return body;
}

/**
 * @param {string} method @param {URL} url @param {Record<string, string>} headers
 * @param {RequestCredentials} credentials
 */
async function send(method, url, headers, credentials) {
  /** @type {Response} */
  let response;
  try {
    response = await fetch(url, { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store', credentials });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'the server could not be reached');
  }
  const text = await response.text();
  /** @type {any} */
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = typeof body?.message === 'string' ? body.message
      : Array.isArray(body?.message) ? body.message.join('; ')
        : `the server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    throw new ApiError(response.status, typeof body?.code === 'string' ? body.code : `HTTP_${response.status}`, message);
  }
  return body;
}

/** @param {unknown} error */
export function describeError(error) {
  if (error instanceof ApiError) return `${error.message} (${error.code}${error.status ? `, HTTP ${error.status}` : ''})`;
  return error instanceof Error ? error.message : String(error);
}

/** @param {URL} url @returns {Promise<import('./dashboard-state.js').SessionList>} */
export async function getList(url) {
  const body = await api('GET', url);
  if (!body || !Array.isArray(body.sessions) || typeof body.count !== 'number') {
    throw new ApiError(0, 'UNEXPECTED_ANSWER', 'the server sent something that is not a session list');
  }
  return body;
}
