// @ts-check
// A single-page app on the browser session, in plain script. The refresh
// token is an HttpOnly cookie this script never sees; the access token
// lives in a variable, never in storage or a URL. See docs/browser-sessions.md.

const CSRF = { 'x-token-tracking-csrf': '1' };
/** Tells the other tabs of this app that the session ended here. */
const tabs = new BroadcastChannel('example-spa-session');

/** @type {string | null} */
let accessToken = null;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let renewal;
/** One refresh at a time in this tab; other tabs refreshing at the same moment are covered by the server's grace period. */
/** @type {Promise<void> | null} */
let refreshing = null;

/** @typedef {Error & { status?: number, code?: string }} RequestError */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {string} path @param {object} [body] @returns {Promise<any>} */
async function post(path, body) {
  const response = await fetch(new URL(path, location.href), {
    method: 'POST',
    credentials: 'same-origin',
    headers: { ...CSRF, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw Object.assign(new Error(answer?.message ?? `HTTP ${response.status}`), { status: response.status, code: answer?.code });
  return answer;
}

/** Keeps the access token and renews it at four fifths of its lifetime. */
/** @param {{ accessToken: string, expiresIn: number }} answer */
function hold(answer) {
  accessToken = answer.accessToken;
  clearTimeout(renewal);
  renewal = setTimeout(() => refresh().catch(ended), Math.max(2, answer.expiresIn * 0.8) * 1000);
}

function refresh() {
  refreshing ??= post('auth/browser/refresh').then(hold).finally(() => { refreshing = null; });
  return refreshing;
}

async function showSignedIn() {
  const profile = await api('profile');
  $('who').textContent = profile.username;
  $('status').textContent = 'Signed in.';
  $('login').hidden = true;
  $('signed-in').hidden = false;
}

/** @param {string} message */
function showSignedOut(message) {
  accessToken = null;
  clearTimeout(renewal);
  $('status').textContent = message;
  $('signed-in').hidden = true;
  $('login').hidden = false;
}

/** A refused refresh: the session is over (signed out elsewhere, revoked, reused, expired). */
/** @param {RequestError} error */
function ended(error) {
  if (error.status !== 401) {
    $('status').textContent = `Could not reach the server (${error.message}); retrying in 15 s.`;
    renewal = setTimeout(() => refresh().catch(ended), 15_000);
    return;
  }
  /** @type {Record<string, string>} */
  const reasons = {
    TOKEN_REVOKED: 'Your session was ended on another device or by an administrator.',
    REFRESH_TOKEN_REUSED: 'Your session was ended: its refresh token was used twice.',
    SESSION_EXPIRED: 'Your session reached its maximum lifetime.',
    SESSION_IDLE_TIMEOUT: 'Your session ended after a long time without use.',
  };
  showSignedOut(reasons[error.code ?? ''] ?? 'You are signed out.');
}

/** A guarded call with the bearer token; an expired one is renewed once. */
/** @param {string} path */
async function api(path) {
  const call = () => fetch(new URL(path, location.href), { headers: { Authorization: `Bearer ${accessToken}` }, credentials: 'omit' });
  let response = await call();
  if (response.status === 401) {
    await refresh();
    response = await call();
  }
  if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
  return response.json();
}

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const target = /** @type {HTMLFormElement} */ (event.currentTarget);
  const form = new FormData(target);
  try {
    hold(await post('auth/browser/login', { username: form.get('username'), password: form.get('password') }));
    target.reset();
    await showSignedIn();
  } catch (error) {
    $('status').textContent = `Sign-in failed: ${/** @type {Error} */ (error).message}`;
  }
});

$('profile').addEventListener('click', async () => {
  try {
    $('output').textContent = JSON.stringify(await api('profile'), null, 2);
  } catch (error) {
    ended(/** @type {RequestError} */ (error));
  }
});

$('logout').addEventListener('click', async () => {
  await post('auth/browser/logout');
  tabs.postMessage('signed-out');
  showSignedOut('You are signed out.');
});

tabs.addEventListener('message', () => showSignedOut('You signed out in another tab.'));

// Silent sign-in on load: the cookie, if any, brings a new access token.
refresh().then(showSignedIn).catch((error) => (error.status === 401 ? showSignedOut('Sign in to continue.') : ended(error)));
