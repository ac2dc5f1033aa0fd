// @ts-check
// The sessions dashboard: "my devices" for the signed-in user and, for
// tokens the admin routes accept, a look-up of any user's sessions. Plain
// script under a strict CSP (no inline code, requests to this origin only).
// Everything it shows (User-Agents, IPs, user ids, messages) may be hostile:
// the DOM is built with createElement and text nodes only, never from HTML.
'use strict';

/**
 * @typedef {{ dashboardPath: string, sessionsPath: string, adminPath: string | null, tokenStorageKey: string }} Config
 * @typedef {{ browser: string | null, os: string | null, type: string, label: string }} Device
 * @typedef {{
 *   sessionId: string, userId: string, createdAt: string, lastActiveAt: string, expiresAt: string,
 *   idleExpiresAt: string | null, absoluteExpiresAt: string | null, clientIp: string | null,
 *   userAgent: string | null, device: Device, current?: boolean
 * }} Session
 * @typedef {{ userId: string, count: number, sessions: Session[] }} SessionList
 * @typedef {'unknown' | 'granted' | 'denied' | 'unavailable'} AdminAccess
 * @typedef {string | Node | null | undefined | false} Child
 */

const PAGE_SIZE = 10;
/** A confirmation button stays inert this long, so that a double click cannot confirm what its first click asked. */
const CONFIRM_DELAY_MS = 400;
const TYPE_NAMES = /** @type {Record<string, string>} */ ({
  desktop: 'Desktop', mobile: 'Mobile', tablet: 'Tablet', tv: 'TV', bot: 'Bot', unknown: 'Unknown type',
});

class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const config = readConfig();
const appRoot = /** @type {HTMLElement} */ (document.getElementById('app'));
const noticeBox = /** @type {HTMLElement} */ (document.getElementById('notice'));
const identityBox = /** @type {HTMLElement} */ (document.getElementById('identity'));

/**
 * @typedef {{
 *   token: string | null,
 *   generation: number,
 *   busy: boolean,
 *   view: 'mine' | 'admin',
 *   adminAccess: AdminAccess,
 *   userId: string | null,
 *   currentSessionId: string | null,
 *   mine: { offset: number, list: SessionList | null },
 *   admin: { userId: string | null, offset: number, list: SessionList | null },
 * }} State
 * `generation` is bumped whenever the token changes: answers to requests
 * made with an older token are dropped.
 */

/** @type {State} */
const state = {
  token: null,
  generation: 0,
  busy: false,
  view: 'mine',
  adminAccess: 'unknown',
  userId: null,
  currentSessionId: null,
  mine: { offset: 0, list: null },
  admin: { userId: null, offset: 0, list: null },
};

// ---------------------------------------------------------------- config, URLs, token

/** @returns {Config} */
function readConfig() {
  const meta = document.querySelector('meta[name="token-tracking-config"]');
  const parsed = JSON.parse(meta?.getAttribute('content') ?? '{}');
  const text = (/** @type {unknown} */ value, /** @type {string} */ fallback) => (typeof value === 'string' ? value : fallback);
  return {
    dashboardPath: text(parsed.dashboardPath, 'sessions-dashboard'),
    sessionsPath: text(parsed.sessionsPath, 'auth/sessions'),
    adminPath: typeof parsed.adminPath === 'string' ? parsed.adminPath : null,
    tokenStorageKey: text(parsed.tokenStorageKey, 'token-tracking:access-token'),
  };
}

/** The application's root: the page is at `<prefix>/<dashboardPath>/`, its `<base>`, so the API is under `<prefix>/`. */
function apiRoot() {
  const depth = config.dashboardPath.split('/').filter(Boolean).length;
  return new URL(depth === 0 ? './' : '../'.repeat(depth), document.baseURI);
}

/** @param {string} routes @param {string[]} segments @param {{ limit: number, offset: number }} [page] */
function apiUrl(routes, segments, page) {
  const url = new URL([routes, ...segments.map(encodeURIComponent)].join('/'), apiRoot());
  if (page) {
    url.searchParams.set('limit', String(page.limit));
    url.searchParams.set('offset', String(page.offset));
  }
  return url;
}

/** A bearer token is visible ASCII without spaces; anything else cannot go into a header. */
function cleanToken(/** @type {string} */ raw) {
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  return /^[\x21-\x7e]+$/.test(token) ? token : null;
}

function storedToken() {
  try {
    return sessionStorage.getItem(config.tokenStorageKey);
  } catch {
    return null;
  }
}

/** @param {string | null} token */
function setToken(token) {
  state.token = token;
  state.generation += 1;
  try {
    if (token === null) sessionStorage.removeItem(config.tokenStorageKey);
    else sessionStorage.setItem(config.tokenStorageKey, token);
  } catch {
    // Storage disabled: the token lives in this page only.
  }
}

/** Moves a `#token=` fragment into sessionStorage and out of the address bar (and history). */
function takeTokenFromFragment() {
  if (!location.hash.startsWith('#')) return null;
  const params = new URLSearchParams(location.hash.slice(1));
  const raw = params.get('token');
  if (raw === null) return null;
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  return cleanToken(raw);
}

// ---------------------------------------------------------------- HTTP

/**
 * Calls a JSON route with the bearer token. Errors become ApiError with the
 * API's `code` and `message` when it sent them.
 * @param {string} method @param {URL} url
 */
async function api(method, url) {
  const generation = state.generation;
  /** @type {Response} */
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: { Accept: 'application/json', Authorization: `Bearer ${state.token ?? ''}` },
      cache: 'no-store',
      credentials: 'omit',
    });
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
  if (generation !== state.generation) throw new ApiError(0, 'STALE', 'the token changed during the request');
  if (!response.ok) {
    const message = typeof body?.message === 'string' ? body.message
      : Array.isArray(body?.message) ? body.message.join('; ')
        : `the server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    throw new ApiError(response.status, typeof body?.code === 'string' ? body.code : `HTTP_${response.status}`, message);
  }
  return body;
}

/** @param {URL} url @returns {Promise<SessionList>} */
async function getList(url) {
  const body = await api('GET', url);
  if (!body || !Array.isArray(body.sessions) || typeof body.count !== 'number') {
    throw new ApiError(0, 'UNEXPECTED_ANSWER', 'the server sent something that is not a session list');
  }
  return body;
}

// ---------------------------------------------------------------- DOM helpers

/**
 * An element with attributes (as attributes, never as HTML) and children
 * (strings become text nodes).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | null | undefined>} [attributes]
 * @param {Child[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** @param {string} label @param {(event: MouseEvent) => void} onClick @param {string} [extraClass] @param {Record<string, string>} [attributes] */
function button(label, onClick, extraClass = '', attributes = {}) {
  const node = el('button', { type: 'button', class: `button ${extraClass}`.trim(), ...attributes }, [label]);
  node.addEventListener('click', onClick);
  return node;
}

const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const absoluteFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' });
/** Unit, its length in seconds, and from how far off it is used ("in 30 days", not "next month"). */
const UNITS = /** @type {Array<[Intl.RelativeTimeFormatUnit, number, number]>} */ ([
  ['year', 31_536_000, 320 * 86_400], ['month', 2_592_000, 45 * 86_400], ['day', 86_400, 22 * 3_600],
  ['hour', 3_600, 45 * 60], ['minute', 60, 45],
]);

/** "5 minutes ago", "in 2 days", "just now". @param {Date} date */
function relativeTime(date) {
  const seconds = (date.getTime() - Date.now()) / 1000;
  const unit = UNITS.find(([, , from]) => Math.abs(seconds) >= from);
  if (!unit) return seconds <= 0 ? 'just now' : 'in a few seconds';
  return relativeFormat.format(Math.round(seconds / unit[1]), unit[0]);
}

/** A `<time>`: relative in the text, absolute in its title. @param {string | null} iso */
function timeElement(iso) {
  const date = iso === null ? null : new Date(iso);
  if (!date || Number.isNaN(date.getTime())) return el('span', { class: 'muted' }, ['unknown']);
  return el('time', { datetime: date.toISOString(), title: absoluteFormat.format(date), 'data-relative': '' }, [relativeTime(date)]);
}

function refreshRelativeTimes() {
  for (const node of document.querySelectorAll('time[data-relative]')) {
    const iso = node.getAttribute('datetime');
    if (iso) node.textContent = relativeTime(new Date(iso));
  }
}

/** @param {number} count @param {string} one @param {string} many */
function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

/** @param {unknown} error */
function describeError(error) {
  if (error instanceof ApiError) return `${error.message} (${error.code}${error.status ? `, HTTP ${error.status}` : ''})`;
  return error instanceof Error ? error.message : String(error);
}

/** @param {string} text @param {'info' | 'success' | 'error'} [kind] */
function notify(text, kind = 'info') {
  noticeBox.replaceChildren(el('span', {}, [text]), button('Dismiss', clearNotice, 'link', { 'aria-label': 'Dismiss message' }));
  noticeBox.className = `notice notice-${kind}`;
  noticeBox.hidden = false;
}

function clearNotice() {
  noticeBox.hidden = true;
  noticeBox.replaceChildren();
}

// ---------------------------------------------------------------- actions

/**
 * Runs one request-making action at a time: while one is in flight every
 * button is disabled, and a second click does nothing.
 * @param {() => Promise<void>} action
 */
async function perform(action) {
  if (state.busy) return;
  state.busy = true;
  appRoot.setAttribute('aria-busy', 'true');
  const disabled = [...appRoot.querySelectorAll('button:not([disabled]), input:not([disabled])')];
  for (const control of disabled) control.setAttribute('disabled', '');
  try {
    await action();
  } catch (error) {
    if (!handleError(error)) void reloadView();
  } finally {
    state.busy = false;
    appRoot.removeAttribute('aria-busy');
    for (const control of disabled) if (control.isConnected) control.removeAttribute('disabled');
  }
}

/**
 * Shows an error. A 401 means the token is no longer good: it is forgotten
 * and the token form shown with the reason. Returns true when it did that.
 * @param {unknown} error
 */
function handleError(error) {
  if (error instanceof ApiError && error.code === 'STALE') return true;
  if (error instanceof ApiError && error.status === 401) {
    signedOut(`This token was refused: ${describeError(error)}. Paste a new access token to continue.`, 'error');
    return true;
  }
  notify(describeError(error), 'error');
  return false;
}

/** Forgets the token and asks for another. @param {string} message @param {'info' | 'success' | 'error'} kind */
function signedOut(message, kind) {
  setToken(null);
  state.userId = null;
  state.currentSessionId = null;
  state.adminAccess = 'unknown';
  state.view = 'mine';
  state.mine = { offset: 0, list: null };
  state.admin = { userId: null, offset: 0, list: null };
  document.body.dataset.adminAccess = 'unknown';
  clearNotice();
  renderTokenForm({ message, kind });
}

/**
 * Replaces a button by an in-place confirmation: the question where the
 * button was (so a double click's second click lands on text), then a
 * confirm button that is inert for a moment, then Cancel.
 * @param {HTMLButtonElement} trigger
 * @param {{ question: string, confirmLabel: string, action: () => Promise<void> }} options
 */
function confirmInPlace(trigger, { question, confirmLabel, action }) {
  if (state.busy || trigger.hidden) return;
  const confirm = el('button', { type: 'button', class: 'button danger', disabled: true }, [confirmLabel]);
  const cancel = el('button', { type: 'button', class: 'button' }, ['Cancel']);
  const group = el('span', { class: 'confirm', role: 'group', 'aria-label': question }, [
    el('span', { class: 'confirm-question' }, [question]), confirm, cancel,
  ]);
  trigger.hidden = true;
  trigger.after(group);
  cancel.focus();
  const arm = setTimeout(() => confirm.removeAttribute('disabled'), CONFIRM_DELAY_MS);
  cancel.addEventListener('click', () => {
    clearTimeout(arm);
    group.remove();
    trigger.hidden = false;
    trigger.focus();
  });
  confirm.addEventListener('click', () => {
    if (confirm.disabled) return;
    void perform(action);
  });
}

async function loadMine() {
  const list = await getList(apiUrl(config.sessionsPath, [], { limit: PAGE_SIZE, offset: state.mine.offset }));
  if (list.sessions.length === 0 && state.mine.offset > 0) {
    state.mine.offset = Math.max(0, Math.floor((list.count - 1) / PAGE_SIZE) * PAGE_SIZE);
    return loadMine();
  }
  state.mine.list = list;
  state.userId = list.userId;
  const current = list.sessions.find((session) => session.current);
  if (current) state.currentSessionId = current.sessionId;
}

async function loadAdmin() {
  if (state.admin.userId === null || config.adminPath === null) return;
  const list = await getList(apiUrl(config.adminPath, ['users', state.admin.userId], { limit: PAGE_SIZE, offset: state.admin.offset }));
  if (list.sessions.length === 0 && state.admin.offset > 0) {
    state.admin.offset = Math.max(0, Math.floor((list.count - 1) / PAGE_SIZE) * PAGE_SIZE);
    return loadAdmin();
  }
  state.admin.list = list;
}

/** Whether the admin routes accept this token, as their `access` route says. */
async function probeAdmin() {
  if (config.adminPath === null || state.userId === null) {
    state.adminAccess = 'unavailable';
  } else {
    try {
      const { allowed } = await api('GET', apiUrl(config.adminPath, ['access']));
      state.adminAccess = allowed === true ? 'granted' : 'denied';
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 401 || error.code === 'STALE') throw error;
      // An older server without the access route, or any other answer: leave the tab out.
      state.adminAccess = 'denied';
    }
  }
  document.body.dataset.adminAccess = state.adminAccess;
}

async function start() {
  const token = takeTokenFromFragment() ?? cleanToken(storedToken() ?? '');
  if (token === null) {
    renderTokenForm({});
    return;
  }
  setToken(token);
  await openDashboard();
}

async function openDashboard() {
  appRoot.replaceChildren(el('p', { class: 'muted' }, ['Loading your sessions…']));
  try {
    await loadMine();
    renderDashboard();
    await probeAdmin();
    renderDashboard();
  } catch (error) {
    if (!handleError(error)) renderDashboard();
  }
}

/** After a failed action (its error already shown): show what is true now. */
async function reloadView() {
  try {
    if (state.view === 'admin') await loadAdmin();
    else await loadMine();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.code === 'STALE')) {
      handleError(error);
      return;
    }
  }
  renderDashboard();
}

/** @param {Session} session @param {HTMLButtonElement} trigger */
function signOutSession(session, trigger) {
  confirmInPlace(trigger, {
    question: session.current ? 'Sign out this device?' : `Sign out ${session.device.label}?`,
    confirmLabel: 'Sign out',
    action: async () => {
      await api('DELETE', apiUrl(config.sessionsPath, [session.sessionId]));
      if (session.current) {
        signedOut('This device is signed out: the page\'s token no longer works. Paste a new access token to continue.', 'success');
        return;
      }
      await loadMine();
      renderDashboard({ focus: 'mine-heading' });
      notify(`Signed out ${session.device.label}.`, 'success');
    },
  });
}

/** @param {HTMLButtonElement} trigger */
function signOutOthers(trigger) {
  confirmInPlace(trigger, {
    question: 'Sign out every other device?',
    confirmLabel: 'Sign out others',
    action: async () => {
      const { revoked } = await api('DELETE', apiUrl(config.sessionsPath, ['others']));
      state.mine.offset = 0;
      await loadMine();
      renderDashboard({ focus: 'mine-heading' });
      notify(`Signed out ${plural(Number(revoked) || 0, 'other device', 'other devices')}.`, 'success');
    },
  });
}

/** @param {HTMLButtonElement} trigger */
function signOutEverywhere(trigger) {
  confirmInPlace(trigger, {
    question: 'Sign out everywhere, this device included?',
    confirmLabel: 'Sign out everywhere',
    action: async () => {
      const { revoked } = await api('DELETE', apiUrl(config.sessionsPath, []));
      signedOut(
        `Signed out everywhere (${plural(Number(revoked) || 0, 'session', 'sessions')} ended). This page has no valid token any more: sign in again in the application, then paste a new access token here.`,
        'success',
      );
    },
  });
}

/** @param {Session} session @param {HTMLButtonElement} trigger */
function adminRevokeSession(session, trigger) {
  confirmInPlace(trigger, {
    question: `Revoke ${session.device.label}?`,
    confirmLabel: 'Revoke',
    action: async () => {
      if (config.adminPath === null) return;
      await api('DELETE', apiUrl(config.adminPath, [session.sessionId]));
      await loadAdmin();
      renderDashboard({ focus: 'admin-results-heading' });
      notify(`Revoked a session of ${session.userId}.`, 'success');
    },
  });
}

/** @param {string} userId @param {HTMLButtonElement} trigger */
function adminRevokeAll(userId, trigger) {
  confirmInPlace(trigger, {
    question: `Revoke every token of ${userId}?`,
    confirmLabel: 'Revoke all',
    action: async () => {
      if (config.adminPath === null) return;
      const { revoked } = await api('DELETE', apiUrl(config.adminPath, ['users', userId]));
      state.admin.offset = 0;
      await loadAdmin();
      renderDashboard({ focus: 'admin-results-heading' });
      notify(`Revoked all tokens of ${userId} (${plural(Number(revoked) || 0, 'session', 'sessions')} ended).`, 'success');
    },
  });
}

// ---------------------------------------------------------------- views

/** @param {{ message?: string, kind?: 'info' | 'success' | 'error' }} options */
function renderTokenForm({ message, kind = 'error' }) {
  identityBox.replaceChildren();
  const input = el('input', {
    id: 'token-input', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false',
    required: true, 'aria-describedby': 'token-help',
  });
  const error = el('p', { id: 'token-error', class: 'field-error', hidden: true });
  const form = el('form', { class: 'token-form', novalidate: true }, [
    el('label', { for: 'token-input' }, ['Access token']),
    input,
    error,
    el('button', { type: 'submit', class: 'button primary' }, ['Show my sessions']),
  ]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = cleanToken(input.value);
    if (token === null) {
      error.textContent = 'Paste an access token: one line of letters, digits and punctuation.';
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', 'token-help token-error');
      input.focus();
      return;
    }
    setToken(token);
    void openDashboard();
  });
  appRoot.replaceChildren(el('section', { class: 'panel narrow', 'aria-labelledby': 'token-heading' }, [
    el('h2', { id: 'token-heading' }, ['Sign in with an access token']),
    message ? el('p', { class: `message message-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, [message]) : null,
    el('p', { id: 'token-help', class: 'muted' }, [
      'This page lists and ends your sessions with an access token of this application. ',
      'Open it with #token=… after its address, or paste the token here. ',
      'It is kept in this browser tab only.',
    ]),
    form,
  ]));
  input.focus();
}

/** @param {{ focus?: string }} [options] */
function renderDashboard(options = {}) {
  renderIdentity();
  const showAdmin = state.adminAccess === 'granted';
  if (!showAdmin) state.view = 'mine';
  const mine = renderMine();
  mine.id = 'panel-mine';
  /** @type {HTMLElement[]} */
  const children = [];
  if (showAdmin) {
    const admin = renderAdmin();
    admin.id = 'panel-admin';
    for (const [panel, view] of /** @type {Array<[HTMLElement, 'mine' | 'admin']>} */ ([[mine, 'mine'], [admin, 'admin']])) {
      panel.setAttribute('role', 'tabpanel');
      panel.setAttribute('aria-labelledby', `tab-${view}`);
      panel.hidden = state.view !== view;
    }
    children.push(renderTabs(), mine, admin);
  } else {
    children.push(mine);
  }
  appRoot.replaceChildren(...children);
  if (options.focus) document.getElementById(options.focus)?.focus();
}

function renderIdentity() {
  identityBox.replaceChildren(
    state.userId === null ? '' : el('span', { class: 'who' }, ['Signed in as ', el('strong', {}, [state.userId])]),
    button('Forget token', () => signedOut('The token was removed from this tab (it is still valid until it expires or is signed out).', 'info'), 'link', {
      title: 'Remove the token from this browser tab without signing out',
    }),
  );
}

function renderTabs() {
  /** @type {Array<['mine' | 'admin', string]>} */
  const tabs = [['mine', 'My devices'], ['admin', 'Admin']];
  const buttons = tabs.map(([view, label]) => {
    const selected = state.view === view;
    const tab = el('button', {
      type: 'button', role: 'tab', id: `tab-${view}`, class: 'tab', 'aria-selected': String(selected),
      'aria-controls': `panel-${view}`, tabindex: selected ? '0' : '-1',
    }, [label]);
    tab.addEventListener('click', () => selectView(view));
    return tab;
  });
  const list = el('div', { role: 'tablist', class: 'tabs', 'aria-label': 'Views' }, buttons);
  list.addEventListener('keydown', (event) => {
    if (!['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) return;
    event.preventDefault();
    const index = tabs.findIndex(([view]) => view === state.view);
    const next = event.key === 'Home' ? 0 : event.key === 'End' ? tabs.length - 1
      : (index + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length;
    selectView(tabs[next][0]);
    document.getElementById(`tab-${tabs[next][0]}`)?.focus();
  });
  return list;
}

/** @param {'mine' | 'admin'} view */
function selectView(view) {
  if (state.view === view) return;
  state.view = view;
  clearNotice();
  renderDashboard({ focus: `tab-${view}` });
}

function renderMine() {
  const list = state.mine.list;
  const section = el('section', { class: 'panel', 'aria-labelledby': 'mine-heading' });
  section.append(el('h2', { id: 'mine-heading', tabindex: '-1' }, ['My devices']));
  if (!list) {
    section.append(el('p', { class: 'muted' }, ['Your sessions could not be loaded.']), button('Try again', () => void perform(async () => {
      await loadMine();
      renderDashboard();
    })));
    return section;
  }
  section.append(el('div', { class: 'toolbar' }, [
    el('p', { class: 'summary' }, [
      plural(list.count, 'active session', 'active sessions'),
      list.sessions.some((session) => session.current) ? ' — the one marked “This device” is the one you are using.' : '',
    ]),
    el('div', { class: 'actions' }, [
      list.count > 1 ? button('Sign out all other devices', (event) => signOutOthers(/** @type {HTMLButtonElement} */ (event.currentTarget))) : null,
      button('Sign out everywhere', (event) => signOutEverywhere(/** @type {HTMLButtonElement} */ (event.currentTarget)), 'danger-outline'),
    ]),
  ]));
  section.append(renderSessions(list, 'mine'));
  section.append(renderPager(list, state.mine.offset, 'Pages of my devices', (offset) => perform(async () => {
    state.mine.offset = offset;
    await loadMine();
    renderDashboard({ focus: 'mine-heading' });
  })));
  return section;
}

function renderAdmin() {
  const section = el('section', { class: 'panel', 'aria-labelledby': 'admin-heading' });
  const input = el('input', {
    id: 'admin-user', name: 'userId', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '255', required: true,
  });
  input.value = state.admin.userId ?? '';
  const form = el('form', { class: 'lookup', role: 'search', novalidate: true }, [
    el('label', { for: 'admin-user' }, ['User id']),
    el('div', { class: 'lookup-row' }, [input, el('button', { type: 'submit', class: 'button primary' }, ['Look up'])]),
  ]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const userId = input.value;
    if (userId === '') {
      input.focus();
      return;
    }
    void perform(async () => {
      state.admin = { userId, offset: 0, list: null };
      clearNotice();
      await loadAdmin();
      renderDashboard({ focus: 'admin-results-heading' });
    });
  });
  section.append(el('h2', { id: 'admin-heading' }, ['Any user\'s sessions']), el('p', { class: 'muted' }, ['Look a user up by id to see their active sessions and revoke them.']), form);

  const list = state.admin.list;
  if (list && state.admin.userId !== null) {
    const userId = state.admin.userId;
    section.append(el('div', { class: 'toolbar' }, [
      el('h3', { id: 'admin-results-heading', tabindex: '-1' }, ['Sessions of ', el('span', { class: 'user-id' }, [list.userId])]),
      el('p', { class: 'summary' }, [plural(list.count, 'active session', 'active sessions')]),
      el('div', { class: 'actions' }, [
        button('Revoke all of this user\'s tokens', (event) => adminRevokeAll(userId, /** @type {HTMLButtonElement} */ (event.currentTarget)), 'danger-outline'),
      ]),
    ]));
    section.append(renderSessions(list, 'admin'));
    section.append(renderPager(list, state.admin.offset, 'Pages of this user\'s sessions', (offset) => perform(async () => {
      state.admin.offset = offset;
      await loadAdmin();
      renderDashboard({ focus: 'admin-results-heading' });
    })));
  }
  return section;
}

/** @param {SessionList} list @param {'mine' | 'admin'} view */
function renderSessions(list, view) {
  if (list.sessions.length === 0) return el('p', { class: 'empty' }, ['No active sessions.']);
  return el('ul', { class: 'sessions', 'data-count': String(list.sessions.length) }, list.sessions.map((session) => renderSession(session, view)));
}

/** @param {Session} session @param {'mine' | 'admin'} view */
function renderSession(session, view) {
  const current = view === 'mine' ? session.current === true : session.sessionId === state.currentSessionId;
  const type = TYPE_NAMES[session.device.type] ? session.device.type : 'unknown';
  const headingId = `session-${view}-${session.sessionId}`;
  const trigger = button(
    view === 'admin' ? 'Revoke' : current ? 'Sign out this device' : 'Sign out',
    (event) => {
      const target = /** @type {HTMLButtonElement} */ (event.currentTarget);
      if (view === 'admin') adminRevokeSession(session, target);
      else signOutSession(session, target);
    },
    'danger-outline',
    { 'aria-describedby': headingId },
  );
  const facts = el('dl', { class: 'facts' }, [
    el('dt', {}, ['IP address']), el('dd', { class: 'ip' }, [session.clientIp ?? 'unknown']),
    el('dt', {}, ['Signed in']), el('dd', {}, [timeElement(session.createdAt)]),
    el('dt', {}, ['Last active']), el('dd', {}, [timeElement(session.lastActiveAt)]),
    el('dt', {}, ['Expires']), el('dd', {}, [timeElement(session.expiresAt), session.idleExpiresAt ? ' unless used' : '']),
    session.absoluteExpiresAt ? el('dt', {}, ['Ends at the latest']) : null,
    session.absoluteExpiresAt ? el('dd', {}, [timeElement(session.absoluteExpiresAt)]) : null,
  ]);
  return el('li', { class: current ? 'session current' : 'session', 'data-session-id': session.sessionId }, [
    el('div', { class: 'session-head' }, [
      el('span', { class: 'device-icon', 'data-type': type, 'aria-hidden': 'true' }),
      el('div', { class: 'device' }, [
        el(view === 'mine' ? 'h3' : 'h4', { id: headingId, class: 'device-label' }, [session.device.label]),
        el('p', { class: 'device-type' }, [
          TYPE_NAMES[type],
          current ? el('span', { class: 'badge' }, ['This device']) : null,
        ]),
      ]),
    ]),
    facts,
    el('p', { class: 'user-agent', title: session.userAgent ?? '' }, [
      el('span', { class: 'visually-hidden' }, ['User-Agent: ']),
      session.userAgent === null ? el('span', { class: 'muted' }, ['No User-Agent sent']) : el('code', {}, [session.userAgent]),
    ]),
    el('div', { class: 'session-actions' }, [trigger]),
  ]);
}

/**
 * Previous / next, when the list is longer than a page.
 * @param {SessionList} list @param {number} offset @param {string} label @param {(offset: number) => void} go
 */
function renderPager(list, offset, label, go) {
  if (list.count <= PAGE_SIZE && offset === 0) return el('span', { hidden: true });
  const first = list.sessions.length === 0 ? 0 : offset + 1;
  const last = offset + list.sessions.length;
  const previous = button('Previous', () => go(Math.max(0, offset - PAGE_SIZE)));
  const next = button('Next', () => go(offset + PAGE_SIZE));
  if (offset === 0) previous.disabled = true;
  if (last >= list.count) next.disabled = true;
  return el('nav', { class: 'pager', 'aria-label': label }, [
    previous,
    el('span', { class: 'pager-status' }, [`${first}–${last} of ${list.count}`]),
    next,
  ]);
}

// ---------------------------------------------------------------- start

window.addEventListener('hashchange', () => {
  const token = takeTokenFromFragment();
  if (token === null) return;
  setToken(token);
  clearNotice();
  void openDashboard();
});
setInterval(refreshRelativeTimes, 30_000);
void start();
