// @ts-check
// The signed-out page. With browser sessions it sends the person to the
// application's sign-in page (the dashboard never asks for a password or a
// token); without, it takes a pasted access token, held in memory only.

import { ApiError, cleanToken, describeError, setToken } from './dashboard-auth.js';
import { config, loginUrl } from './dashboard-config.js';
import { appRoot, button, clearNotice, el, identityBox } from './dashboard-dom.js';
import { resetState } from './dashboard-state.js';
import { openDashboard } from './layout.view.js';

/** Why a session ended, in words, from the code of the refusal. @param {unknown} error */
export function whySignedOut(error) {
  const code = error instanceof ApiError ? error.code : '';
  switch (code) {
    case 'TOKEN_MISSING':
      return config.browserSessions ? 'You are signed out.' : 'This page needs an access token.';
    case 'TOKEN_REVOKED':
      return 'Your session has ended: it was signed out elsewhere (on another device, by an administrator, or by a security check).';
    case 'REFRESH_TOKEN_REUSED':
      return 'Your session has ended: its refresh token was used twice, which is how a stolen one shows. Sign in again.';
    case 'SESSION_EXPIRED':
      return 'Your session has reached its maximum lifetime. Sign in again.';
    case 'SESSION_IDLE_TIMEOUT':
      return 'Your session has ended after a long time without use. Sign in again.';
    default:
      return config.browserSessions
        ? `Your session could not be continued: ${describeError(error)}.`
        : `This token was refused: ${describeError(error)}. Paste a new access token to continue.`;
  }
}

/** Forgets the token and everything shown. @param {string} message @param {'info' | 'success' | 'error'} kind */
export function signedOut(message, kind) {
  setToken(null);
  resetState();
  clearNotice();
  renderSignIn({ message, kind });
}

/** @param {{ message?: string, kind?: 'info' | 'success' | 'error' }} options */
export function renderSignIn({ message, kind = 'error' }) {
  identityBox.replaceChildren();
  const notice = message ? el('p', { class: `message message-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, [el('bdi', {}, [message])]) : null;
  appRoot.replaceChildren(config.browserSessions ? signedOutPanel(notice) : tokenForm(notice));
  /** @type {HTMLElement | null} */ (appRoot.querySelector('input, a, button'))?.focus();
}

/** @param {HTMLElement | null} notice */
function signedOutPanel(notice) {
  const login = loginUrl();
  return el('section', { class: 'panel narrow', 'aria-labelledby': 'signin-heading' }, [
    el('h2', { id: 'signin-heading' }, ['Signed out']),
    notice,
    el('p', { class: 'muted' }, [
      login ? 'Sign in to the application, then come back here to see and end your sessions.'
        : 'Sign in to the application, then reload this page to see and end your sessions.',
    ]),
    el('div', { class: 'actions' }, [
      login ? el('a', { class: 'button primary', href: login.href }, ['Sign in']) : null,
      button('Try again', () => void openDashboard()),
    ]),
  ]);
}

/** @param {HTMLElement | null} notice */
function tokenForm(notice) {
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
  return el('section', { class: 'panel narrow', 'aria-labelledby': 'token-heading' }, [
    el('h2', { id: 'token-heading' }, ['Sign in with an access token']),
    notice,
    el('p', { id: 'token-help', class: 'muted' }, [
      'This page lists and ends your sessions with an access token of this application. ',
      'Paste it here: it is kept in this page\'s memory only, never in its address or in storage, ',
      'and forgotten when the page is closed or reloaded.',
    ]),
    form,
  ]);
}
