// @ts-check
// A list of sessions as cards, and its pager: shared by "my devices" and
// the admin view.

import { PAGE_SIZE } from './dashboard-config.js';
import { button, el, outside, timeElement } from './dashboard-dom.js';
import { state } from './dashboard-state.js';

/** @typedef {import('./dashboard-state.js').Session} Session @typedef {import('./dashboard-state.js').SessionList} SessionList */

const TYPE_NAMES = /** @type {Record<string, string>} */ ({
  desktop: 'Desktop', mobile: 'Mobile', tablet: 'Tablet', tv: 'TV', bot: 'Bot', unknown: 'Unknown type',
});

/**
 * @param {SessionList} list @param {'mine' | 'admin'} view
 * @param {(session: Session, trigger: HTMLButtonElement) => void} onEnd what the card's button does
 */
export function renderSessions(list, view, onEnd) {
  if (list.sessions.length === 0) return el('p', { class: 'empty' }, ['No active sessions.']);
  return el('ul', { class: 'sessions', 'data-count': String(list.sessions.length) }, list.sessions.map((session) => renderSession(session, view, onEnd)));
}

/**
 * @param {Session} session @param {'mine' | 'admin'} view
 * @param {(session: Session, trigger: HTMLButtonElement) => void} onEnd
 */
function renderSession(session, view, onEnd) {
  const current = view === 'mine' ? session.current === true : session.sessionId === state.currentSessionId;
  const type = TYPE_NAMES[session.device.type] ? session.device.type : 'unknown';
  const headingId = `session-${view}-${session.sessionId}`;
  const trigger = button(
    view === 'admin' ? 'Revoke' : current ? 'Sign out this device' : 'Sign out',
    (event) => onEnd(session, /** @type {HTMLButtonElement} */ (event.currentTarget)),
    'danger-outline',
    { 'aria-describedby': headingId },
  );
  const facts = el('dl', { class: 'facts' }, [
    el('dt', {}, ['IP address']), el('dd', { class: 'ip' }, [session.clientIp === null ? 'unknown' : outside(session.clientIp)]),
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
        el(view === 'mine' ? 'h3' : 'h4', { id: headingId, class: 'device-label' }, [outside(session.device.label)]),
        el('p', { class: 'device-type' }, [
          TYPE_NAMES[type],
          current ? el('span', { class: 'badge' }, ['This device']) : null,
        ]),
      ]),
    ]),
    facts,
    el('p', { class: 'user-agent', title: session.userAgent ?? '' }, [
      el('span', { class: 'visually-hidden' }, ['User-Agent: ']),
      session.userAgent === null ? el('span', { class: 'muted' }, ['No User-Agent sent']) : el('code', {}, [outside(session.userAgent)]),
    ]),
    el('div', { class: 'session-actions' }, [trigger]),
  ]);
}

/**
 * Previous / next, when the list is longer than a page.
 * @param {SessionList} list @param {number} offset @param {string} label @param {(offset: number) => void} go
 */
export function renderPager(list, offset, label, go) {
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
