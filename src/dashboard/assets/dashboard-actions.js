// @ts-check
// Running what a click asks: one request-making action at a time, with an
// in-place confirmation for what cannot be undone.

import { ApiError, describeError } from './dashboard-auth.js';
import { appRoot, el, notify } from './dashboard-dom.js';
import { state } from './dashboard-state.js';
import { reloadView } from './layout.view.js';
import { signedOut, whySignedOut } from './sign-in.view.js';

/** A confirmation button stays inert this long, so that a double click cannot confirm what its first click asked. */
const CONFIRM_DELAY_MS = 400;

/**
 * Runs one request-making action at a time: while one is in flight every
 * button is disabled, and a second click does nothing.
 * @param {() => Promise<void>} action
 */
export async function perform(action) {
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
 * Shows an error. A 401 means the page's session is over: the page signs
 * out and says why. Returns true when it did that.
 * @param {unknown} error
 */
export function handleError(error) {
  if (error instanceof ApiError && error.code === 'STALE') return true;
  if (error instanceof ApiError && error.status === 401) {
    signedOut(whySignedOut(error), 'error');
    return true;
  }
  notify(el('bdi', {}, [describeError(error)]), 'error');
  return false;
}

/**
 * Replaces a button by an in-place confirmation: the question where the
 * button was (so a double click's second click lands on text), then a
 * confirm button that is inert for a moment, then Cancel.
 * @param {HTMLButtonElement} trigger
 * @param {{ question: string, questionContent?: import('./dashboard-dom.js').Child[], confirmLabel: string, action: () => Promise<void> }} options
 */
export function confirmInPlace(trigger, { question, questionContent, confirmLabel, action }) {
  if (state.busy || trigger.hidden) return;
  const confirm = el('button', { type: 'button', class: 'button danger', disabled: true }, [confirmLabel]);
  const cancel = el('button', { type: 'button', class: 'button' }, ['Cancel']);
  const group = el('span', { class: 'confirm', role: 'group', 'aria-label': question }, [
    el('span', { class: 'confirm-question' }, questionContent ?? [question]), confirm, cancel,
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
