// @ts-check
// The signed-in page: who is signed in, the tabs (the admin one for those
// the admin routes accept), and the view shown.

import { handleError, perform } from './dashboard-actions.js';
import { ApiError, auth, describeError, refreshAccessToken, signOutBrowser } from './dashboard-auth.js';
import { config } from './dashboard-config.js';
import { appRoot, button, clearNotice, el, identityBox, notify, outside } from './dashboard-dom.js';
import { state } from './dashboard-state.js';
import { loadAdmin, probeAdmin, renderAdmin } from './admin.view.js';
import { loadMine, renderMine } from './devices.view.js';
import { signedOut, whySignedOut } from './sign-in.view.js';

/** Signs in (with the refresh cookie when there is no token yet) and shows the person's devices. */
export async function openDashboard() {
  appRoot.replaceChildren(el('p', { class: 'muted' }, ['Loading your sessions…']));
  try {
    if (auth.token === null) await refreshAccessToken();
    await loadMine();
    renderDashboard();
    await probeAdmin();
    renderDashboard();
  } catch (error) {
    if (!handleError(error)) renderDashboard();
  }
}

/** After a failed action (its error already shown): show what is true now. */
export async function reloadView() {
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

/** @param {{ focus?: string }} [options] */
export function renderDashboard(options = {}) {
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
    state.userId === null ? '' : el('span', { class: 'who' }, ['Signed in as ', el('strong', {}, [outside(state.userId)])]),
    config.browserSessions
      ? button('Sign out', () => void perform(async () => {
        await signOutBrowser();
        signedOut('You are signed out on this device.', 'success');
      }), 'link', { title: 'End this device\'s session' })
      : button('Forget token', () => signedOut('The token was removed from this page (it is still valid until it expires or is signed out).', 'info'), 'link', {
        title: 'Remove the token from this page without signing out',
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

/** A scheduled renewal failed: a refusal ends the page's session (and says why); an outage is retried. */
window.addEventListener('token-tracking:session-ended', (event) => {
  const error = /** @type {CustomEvent} */ (event).detail;
  if (error instanceof ApiError && error.code === 'STALE') return;
  if (error instanceof ApiError && error.status === 401) {
    signedOut(whySignedOut(error), 'error');
    return;
  }
  notify(el('bdi', {}, [`The session could not be renewed: ${describeError(error)}. Retrying in 15 seconds.`]), 'error');
  setTimeout(() => {
    refreshAccessToken().catch((again) => window.dispatchEvent(new CustomEvent('token-tracking:session-ended', { detail: again })));
  }, 15_000);
});
