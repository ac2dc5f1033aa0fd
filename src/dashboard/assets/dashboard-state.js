// @ts-check
// What the page knows besides the token: who is signed in, which view is
// shown, and the lists it shows.

/**
 * @typedef {{ browser: string | null, os: string | null, type: string, label: string }} Device
 * @typedef {{
 *   sessionId: string, userId: string, createdAt: string, lastActiveAt: string, expiresAt: string,
 *   idleExpiresAt: string | null, absoluteExpiresAt: string | null, clientIp: string | null,
 *   userAgent: string | null, device: Device, current?: boolean
 * }} Session
 * @typedef {{ userId: string, count: number, sessions: Session[] }} SessionList
 * @typedef {'unknown' | 'granted' | 'denied' | 'unavailable'} AdminAccess
 * @typedef {{
 *   busy: boolean,
 *   view: 'mine' | 'admin',
 *   adminAccess: AdminAccess,
 *   userId: string | null,
 *   currentSessionId: string | null,
 *   mine: { offset: number, list: SessionList | null },
 *   admin: { userId: string | null, offset: number, list: SessionList | null },
 * }} State
 */

/** @type {State} */
export const state = {
  busy: false,
  view: 'mine',
  adminAccess: 'unknown',
  userId: null,
  currentSessionId: null,
  mine: { offset: 0, list: null },
  admin: { userId: null, offset: 0, list: null },
};

/** Back to nothing known, as after signing out. */
export function resetState() {
  state.userId = null;
  state.currentSessionId = null;
  state.adminAccess = 'unknown';
  state.view = 'mine';
  state.mine = { offset: 0, list: null };
  state.admin = { userId: null, offset: 0, list: null };
  document.body.dataset.adminAccess = 'unknown';
}
