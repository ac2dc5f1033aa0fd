// @ts-check
// The admin view, for those the admin routes accept: look a user up by id,
// list their sessions, revoke one or all.

import { confirmInPlace, perform } from './dashboard-actions.js';
import { api, ApiError, getList } from './dashboard-auth.js';
import { apiUrl, config, PAGE_SIZE } from './dashboard-config.js';
import { button, clearNotice, el, notify, outside, plural } from './dashboard-dom.js';
import { state } from './dashboard-state.js';
import { renderDashboard } from './layout.view.js';
import { renderPager, renderSessions } from './session-list.view.js';

/** @typedef {import('./dashboard-state.js').Session} Session */

export async function loadAdmin() {
  if (state.admin.userId === null || config.adminPath === null) return;
  const list = await getList(apiUrl(config.adminPath, ['users', state.admin.userId], { limit: PAGE_SIZE, offset: state.admin.offset }));
  if (list.sessions.length === 0 && state.admin.offset > 0) {
    state.admin.offset = Math.max(0, Math.floor((list.count - 1) / PAGE_SIZE) * PAGE_SIZE);
    return loadAdmin();
  }
  state.admin.list = list;
}

/** Whether the admin routes accept this session, as their `access` route says (no 403 provoked). */
export async function probeAdmin() {
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

export function renderAdmin() {
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
      el('h3', { id: 'admin-results-heading', tabindex: '-1' }, ['Sessions of ', outside(list.userId, { class: 'user-id' })]),
      el('p', { class: 'summary' }, [plural(list.count, 'active session', 'active sessions')]),
      el('div', { class: 'actions' }, [
        button('Revoke all of this user\'s tokens', (event) => adminRevokeAll(userId, /** @type {HTMLButtonElement} */ (event.currentTarget)), 'danger-outline'),
      ]),
    ]));
    section.append(renderSessions(list, 'admin', adminRevokeSession));
    section.append(renderPager(list, state.admin.offset, 'Pages of this user\'s sessions', (offset) => perform(async () => {
      state.admin.offset = offset;
      await loadAdmin();
      renderDashboard({ focus: 'admin-results-heading' });
    })));
  }
  return section;
}

/** @param {Session} session @param {HTMLButtonElement} trigger */
function adminRevokeSession(session, trigger) {
  confirmInPlace(trigger, {
    question: `Revoke ${session.device.label}?`,
    questionContent: ['Revoke ', outside(session.device.label), '?'],
    confirmLabel: 'Revoke',
    action: async () => {
      if (config.adminPath === null) return;
      await api('DELETE', apiUrl(config.adminPath, [session.sessionId]));
      await loadAdmin();
      renderDashboard({ focus: 'admin-results-heading' });
      notify(['Revoked a session of ', outside(session.userId), '.'], 'success');
    },
  });
}

/** @param {string} userId @param {HTMLButtonElement} trigger */
function adminRevokeAll(userId, trigger) {
  confirmInPlace(trigger, {
    question: `Revoke every token of ${userId}?`,
    questionContent: ['Revoke every token of ', outside(userId), '?'],
    confirmLabel: 'Revoke all',
    action: async () => {
      if (config.adminPath === null) return;
      const { revoked } = await api('DELETE', apiUrl(config.adminPath, ['users', userId]));
      state.admin.offset = 0;
      await loadAdmin();
      renderDashboard({ focus: 'admin-results-heading' });
      notify(['Revoked all tokens of ', outside(userId), ` (${plural(Number(revoked) || 0, 'session', 'sessions')} ended).`], 'success');
    },
  });
}
