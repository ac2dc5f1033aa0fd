import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { optionalObject, refuseUnknownOptions, requireBoolean, requireNonEmpty, requireOneOf, requireRoutePath } from './option-checks.js';
import { BrowserSessionsOptions } from './token-tracking-options.interface.js';

/** Browser sessions with every default applied (see `BrowserSessionsOptions`). */
export interface ResolvedBrowserSessions {
  /** Route prefix of the cookie routes, without leading or trailing slash. */
  readonly routesPath: string;
  readonly cookie: {
    /** The full name, prefix included. */
    readonly name: string;
    readonly path: string;
    readonly domain: string | null;
    readonly secure: boolean;
    readonly sameSite: 'Strict' | 'Lax';
  };
  readonly csrf: {
    /** Lower case, as Node gives header names. */
    readonly header: string;
    readonly allowedOrigins: readonly string[];
  };
  readonly loginUrl: string | null;
}

export const DEFAULT_BROWSER_SESSIONS_PATH = 'auth/browser';
export const DEFAULT_REFRESH_COOKIE_NAME = 'token-tracking-refresh';
export const DEFAULT_CSRF_HEADER = 'x-token-tracking-csrf';
/** A cookie name or header name: an RFC 7230 token. */
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What a cookie's Path or Domain may hold without breaking the Set-Cookie line. */
const COOKIE_ATTRIBUTE = /^[\x21-\x3a\x3c-\x7e]+$/;

export function resolveBrowserSessions(options: boolean | BrowserSessionsOptions | undefined): ResolvedBrowserSessions | null {
  if (!options) return null;
  const given: BrowserSessionsOptions = options === true ? {} : options;
  if (typeof given !== 'object') throw new TokenTrackingConfigurationError('browserSessions must be true or an object');
  // A misspelt security setting (`samesite`) would otherwise be ignored in favour of its default.
  refuseUnknownOptions(given, 'browserSessions', ['path', 'cookie', 'csrf', 'loginUrl']);
  const routesPath = requireRoutePath(given.path ?? DEFAULT_BROWSER_SESSIONS_PATH, 'browserSessions.path');
  const cookie = optionalObject(given.cookie, 'browserSessions.cookie') ?? {};
  const csrf = optionalObject(given.csrf, 'browserSessions.csrf') ?? {};
  refuseUnknownOptions(cookie, 'browserSessions.cookie', ['name', 'secure', 'sameSite', 'domain', 'hostPrefix', 'path']);
  refuseUnknownOptions(csrf, 'browserSessions.csrf', ['allowedOrigins', 'header']);
  const secure = requireBoolean(cookie.secure ?? true, 'browserSessions.cookie.secure');
  const sameSite = requireOneOf(cookie.sameSite ?? 'strict', 'browserSessions.cookie.sameSite', ['strict', 'lax']);
  const domain = cookie.domain === undefined ? null : requireCookieAttribute(cookie.domain, 'browserSessions.cookie.domain');
  const explicitPath = cookie.path === undefined ? null : requireCookieAttribute(cookie.path, 'browserSessions.cookie.path');
  const hostPrefix = requireBoolean(cookie.hostPrefix ?? (secure && domain === null && explicitPath === null), 'browserSessions.cookie.hostPrefix');
  if (hostPrefix && (!secure || domain !== null || (explicitPath !== null && explicitPath !== '/'))) {
    throw new TokenTrackingConfigurationError(
      'browserSessions.cookie.hostPrefix needs secure: true, no domain and no path other than "/": browsers drop a __Host- cookie set otherwise',
    );
  }
  if (explicitPath !== null && !explicitPath.startsWith('/')) {
    throw new TokenTrackingConfigurationError(`browserSessions.cookie.path must start with "/" (got ${explicitPath})`);
  }
  const baseName = cookie.name ?? DEFAULT_REFRESH_COOKIE_NAME;
  if (typeof baseName !== 'string' || !HTTP_TOKEN.test(baseName) || /^__(host|secure)-/i.test(baseName)) {
    throw new TokenTrackingConfigurationError(`browserSessions.cookie.name must be a cookie name without prefix (got ${String(baseName)})`);
  }
  const header = (csrf.header ?? DEFAULT_CSRF_HEADER);
  if (typeof header !== 'string' || !HTTP_TOKEN.test(header)) {
    throw new TokenTrackingConfigurationError(`browserSessions.csrf.header must be a header name (got ${String(header)})`);
  }
  const allowedOrigins = (csrf.allowedOrigins ?? []).map((origin) => requireOrigin(origin));
  const loginUrl = given.loginUrl === undefined ? null : requireNonEmpty(given.loginUrl, 'browserSessions.loginUrl');
  if (loginUrl !== null && /^\s*(javascript|data|vbscript):/i.test(loginUrl)) {
    throw new TokenTrackingConfigurationError('browserSessions.loginUrl must be an http(s) URL or a path');
  }
  return {
    routesPath,
    cookie: {
      name: `${hostPrefix ? '__Host-' : secure ? '__Secure-' : ''}${baseName}`,
      path: hostPrefix ? '/' : explicitPath ?? `/${routesPath}`,
      domain,
      secure,
      sameSite: sameSite === 'strict' ? 'Strict' : 'Lax',
    },
    csrf: { header: header.toLowerCase(), allowedOrigins },
    loginUrl,
  };
}

function requireCookieAttribute(value: unknown, name: string): string {
  if (typeof value !== 'string' || !COOKIE_ATTRIBUTE.test(value)) {
    throw new TokenTrackingConfigurationError(`${name} must be visible ASCII without ";" (got ${String(value)})`);
  }
  return value;
}

function requireOrigin(value: unknown): string {
  const text = requireNonEmpty(value, 'browserSessions.csrf.allowedOrigins[]');
  let origin: string;
  try {
    origin = new URL(text).origin;
  } catch {
    origin = 'null';
  }
  if (origin === 'null' || origin !== text.replace(/\/$/, '')) {
    throw new TokenTrackingConfigurationError(`browserSessions.csrf.allowedOrigins[] must be origins such as https://app.example.com, without path (got ${text})`);
  }
  return origin;
}
