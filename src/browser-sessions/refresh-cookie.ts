import { ResolvedBrowserSessions } from '../options/resolved-browser-sessions.js';

type CookieSettings = ResolvedBrowserSessions['cookie'];

/**
 * Every value the `Cookie` header holds under `name`, in the order the
 * browser sent them. Read from the header itself, so that it works the same
 * with or without `cookie-parser` or `@fastify/cookie` (which leave the
 * header in place), and so that a second cookie of the same name — planted
 * by a sibling subdomain with a wider `Domain` or a longer `Path` — is seen
 * rather than silently preferred or ignored.
 *
 * Names are compared exactly, around them only the spaces and tabs the
 * header's grammar allows (RFC 6265 §5.2) taken off. `String.trim` would
 * also take off U+00A0, which is what Node makes of a byte 0xA0: a browser
 * stores `\xA0__Host-name` as a name of its own, without the prefix's
 * rules, so a sibling host may set it for the whole site, and trimmed it
 * would be read as the `__Host-` cookie.
 */
export function refreshCookieValues(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string[] {
  const header = headers.cookie;
  const text = Array.isArray(header) ? header.join('; ') : header ?? '';
  const values: string[] = [];
  for (const pair of text.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || trimSpacesAndTabs(pair.slice(0, equals)) !== name) continue;
    const value = trimSpacesAndTabs(pair.slice(equals + 1));
    values.push(value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
  }
  return values;
}

function trimSpacesAndTabs(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

/**
 * The `Set-Cookie` line of a refresh token: gone when its token expires
 * (`Max-Age`, which already stops at `sessionMaxLifetime`: the refresh
 * token's expiry does), or at once for `maxAgeSeconds` 0.
 */
export function refreshCookieLine(settings: CookieSettings, value: string, maxAgeSeconds: number): string {
  const attributes = [
    `${settings.name}=${value}`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    `Path=${settings.path}`,
    settings.domain === null ? null : `Domain=${settings.domain}`,
    settings.secure ? 'Secure' : null,
    'HttpOnly',
    `SameSite=${settings.sameSite}`,
  ];
  return attributes.filter((attribute) => attribute !== null).join('; ');
}

/** An expired, empty cookie of the same name, path and domain: the browser deletes its copy. */
export function clearedCookieLine(settings: CookieSettings): string {
  return `${refreshCookieLine(settings, '', 0)}; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}

/**
 * Adds a `Set-Cookie` header to an Express response (`append`) or a Fastify
 * reply (whose `header('set-cookie', ...)` adds rather than replaces, and
 * which `@fastify/cookie` merges with its own).
 */
export function appendSetCookie(response: unknown, line: string): void {
  const target = response as {
    append?: (name: string, value: string) => void;
    header?: (name: string, value: string) => void;
    getHeader?: (name: string) => unknown;
    setHeader?: (name: string, value: string[]) => void;
  };
  if (typeof target.append === 'function') target.append('Set-Cookie', line);
  else if (typeof target.header === 'function') target.header('set-cookie', line);
  else if (typeof target.setHeader === 'function') {
    const existing = target.getHeader?.('set-cookie');
    const lines = Array.isArray(existing) ? existing.map(String) : typeof existing === 'string' ? [existing] : [];
    target.setHeader('set-cookie', [...lines, line]);
  }
}
