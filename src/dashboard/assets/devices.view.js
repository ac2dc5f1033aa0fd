// @ts-check
// "My devices": the signed-in person's sessions, this one marked, each
// signed out on its own, the others at once, or all of them.

import { confirmInPlace, perform } from './dashboard-actions.js';
import { api, getList } from './dashboard-auth.js';
import { apiUrl, config, PAGE_SIZE } from './dashboard-config.js';
import { button, el, notify, outside, plural } from './dashboard-dom.js';
import { state } from './dashboard-state.js';
import { renderDashboard } from './layout.view.js';
import { renderPager, renderSessions } from './session-list.view.js';
import { signedOut } from './sign-in.view.js';

/** @typedef {import('./dashboard-state.js').Session} Session */

export async function loadMine() {
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

export function renderMine() {
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
  section.append(renderSessions(list, 'mine', signOutSession));
  section.append(renderPager(list, state.mine.offset, 'Pages of my devices', (offset) => perform(async () => {
    state.mine.offset = offset;
    await loadMine();
    renderDashboard({ focus: 'mine-heading' });
  })));
  return section;
}

/** @param {Session} session @param {HTMLButtonElement} trigger */
function signOutSession(session, trigger) {
  confirmInPlace(trigger, {
    question: session.current ? 'Sign out this device?' : `Sign out ${session.device.label}?`,
    questionContent: session.current ? undefined : ['Sign out ', outside(session.device.label), '?'],
    confirmLabel: 'Sign out',
    action: async () => {
      await api('DELETE', apiUrl(config.sessionsPath, [session.sessionId]));
      if (session.current) {
        signedOut(config.browserSessions ? 'This device is signed out.'
          : 'This device is signed out: the page\'s token no longer works. Paste a new access token to continue.', 'success');
        return;
      }
      await loadMine();
      renderDashboard({ focus: 'mine-heading' });
      notify(['Signed out ', outside(session.device.label), '.'], 'success');
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
      const ended = plural(Number(revoked) || 0, 'session', 'sessions');
      signedOut(config.browserSessions ? `Signed out everywhere (${ended} ended).`
        : `Signed out everywhere (${ended} ended). This page has no valid token any more: sign in again in the application, then paste a new access token here.`,
      'success');
    },
  });
}
