// @ts-check
// Building the page. Everything it shows (User-Agents, IPs, user ids,
// messages) may be hostile: the DOM is built with createElement and text
// nodes only, never from HTML, and user-controlled text is bidi-isolated
// (<bdi>), so that a user id holding U+202E cannot reverse the page's own
// words around it.

/** @typedef {string | Node | null | undefined | false} Child */

export const appRoot = /** @type {HTMLElement} */ (document.getElementById('app'));
export const identityBox = /** @type {HTMLElement} */ (document.getElementById('identity'));
const noticeBox = /** @type {HTMLElement} */ (document.getElementById('notice'));

/**
 * An element with attributes (as attributes, never as HTML) and children
 * (strings become text nodes).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | null | undefined>} [attributes]
 * @param {Child[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** Text that came from outside the page (a user id, a User-Agent, a server message), isolated. @param {string} text @param {Record<string, string>} [attributes] */
export function outside(text, attributes = {}) {
  return el('bdi', attributes, [text]);
}

/** @param {string} label @param {(event: MouseEvent) => void} onClick @param {string} [extraClass] @param {Record<string, string>} [attributes] */
export function button(label, onClick, extraClass = '', attributes = {}) {
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
export function timeElement(iso) {
  const date = iso === null ? null : new Date(iso);
  if (!date || Number.isNaN(date.getTime())) return el('span', { class: 'muted' }, ['unknown']);
  return el('time', { datetime: date.toISOString(), title: absoluteFormat.format(date), 'data-relative': '' }, [relativeTime(date)]);
}

export function refreshRelativeTimes() {
  for (const node of document.querySelectorAll('time[data-relative]')) {
    const iso = node.getAttribute('datetime');
    if (iso) node.textContent = relativeTime(new Date(iso));
  }
}

/** @param {number} count @param {string} one @param {string} many */
export function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

/** @param {Child | Child[]} content @param {'info' | 'success' | 'error'} [kind] */
export function notify(content, kind = 'info') {
  noticeBox.replaceChildren(el('span', {}, Array.isArray(content) ? content : [content]), button('Dismiss', clearNotice, 'link', { 'aria-label': 'Dismiss message' }));
  noticeBox.className = `notice notice-${kind}`;
  noticeBox.hidden = false;
}

export function clearNotice() {
  noticeBox.hidden = true;
  noticeBox.replaceChildren();
}
