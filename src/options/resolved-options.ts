import { ExtractJwt } from 'passport-jwt';
import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { KeySet } from '../keys/key-set.js';
import { keySetFromOptions } from '../keys/key-set-from-options.js';
import { SessionLimitPolicy } from '../store/token-store.interface.js';
import { JwtFromRequest } from './jwt-from-request.js';
import {
  BrowserSessionsOptions,
  PurgeOptions,
  ResolveUser,
  RevocationReplicaOptions,
  TokenTrackingModuleOptions,
} from './token-tracking-options.interface.js';

export interface ResolvedRevocationReplica {
  readonly connectionString: string;
  readonly maxEntries: number;
  readonly heartbeatMs: number;
  readonly whenUnsynced: 'query-database' | 'reject';
}

/** The options with every default applied and every key parsed, checked once at startup. */
export interface ResolvedTokenTrackingOptions {
  readonly keys: KeySet;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly expiresInSeconds: number;
  readonly trackUserTokens: boolean;
  readonly maxUserSessions: number;
  readonly sessionLimitPolicy: SessionLimitPolicy;
  readonly refreshExpiresInSeconds: number;
  readonly refreshGraceMs: number;
  readonly sessionMaxLifetimeSeconds: number | null;
  readonly sessionIdleTimeoutSeconds: number | null;
  readonly lastUsedIntervalMs: number;
  readonly purge: Required<PurgeOptions> | null;
  readonly revocationReplica: ResolvedRevocationReplica | null;
  readonly whenStoreUnavailable: 'reject' | 'accept-signed';
  readonly maxTokenSize: number;
  readonly clockToleranceSeconds: number;
  readonly jwtFromRequest: JwtFromRequest;
  readonly resolveUser: ResolveUser | null;
  readonly clock: () => number;
}

export const DEFAULT_EXPIRES_IN_SECONDS = 86_400;
export const DEFAULT_MAX_TOKEN_SIZE = 8_192;
export const DEFAULT_REFRESH_EXPIRES_IN_SECONDS = 2_592_000;
export const DEFAULT_PURGE: Required<PurgeOptions> = {
  intervalSeconds: 3_600,
  batchSize: 5_000,
  retentionSeconds: 0,
  maxDurationSeconds: 300,
};
export const DEFAULT_REPLICA_MAX_ENTRIES = 2_000_000;
const SESSION_LIMIT_POLICIES: readonly SessionLimitPolicy[] = ['reject', 'evict-oldest'];

/** Every option `forRoot` and `useFactory` may give; anything else is a mistake worth stopping for. */
const KNOWN_OPTIONS = new Set<string>([
  'prisma', 'store', 'signing', 'issuer', 'audience', 'expiresIn', 'trackUserTokens', 'maxUserSessions',
  'sessionLimitPolicy', 'refreshExpiresIn', 'refreshGraceSeconds', 'sessionMaxLifetime', 'sessionIdleTimeout',
  'lastUsedIntervalSeconds', 'purge', 'revocationReplica', 'whenStoreUnavailable', 'maxTokenSize',
  'clockToleranceSeconds', 'jwtFromRequest', 'resolveUser', 'clock',
] satisfies Array<keyof TokenTrackingModuleOptions>);

/** Options that shape the module (routes, visibility): fixed when it is defined, so not in what `useFactory` returns. */
export const MODULE_SHAPE_OPTIONS = ['isGlobal', 'sessionRoutes', 'adminRoutes', 'jwksRoute', 'dashboard', 'browserSessions'] as const;

const RENAMED_OPTIONS: Readonly<Record<string, string>> = { revocationCache: 'revocationReplica' };

export function resolveTokenTrackingOptions(options: TokenTrackingModuleOptions): ResolvedTokenTrackingOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TokenTrackingConfigurationError('options must be an object (did useFactory return nothing?)');
  }
  refuseMisplacedOptions(options as unknown as Record<string, unknown>);
  if (options.prisma !== undefined && !isPrismaClient(options.prisma)) {
    throw new TokenTrackingConfigurationError('prisma must be a PrismaClient (or a service extending one): the value given has no $queryRaw, $executeRaw and $transaction');
  }
  const issuer = requireNonEmpty(options.issuer, 'issuer');
  const audienceList = Array.isArray(options.audience) ? options.audience : [options.audience];
  if (audienceList.length === 0) throw new TokenTrackingConfigurationError('audience must name at least one audience');
  const audiences = audienceList.map((audience) => requireNonEmpty(audience, 'audience'));
  const trackUserTokens = requireBoolean(options.trackUserTokens ?? true, 'trackUserTokens');
  const maxUserSessions = requireInteger(options.maxUserSessions ?? 0, 'maxUserSessions', 0);
  if (maxUserSessions > 0 && !trackUserTokens) {
    throw new TokenTrackingConfigurationError(
      'maxUserSessions needs trackUserTokens: true (sessions that are not recorded cannot be counted)',
    );
  }
  const sessionLimitPolicy = options.sessionLimitPolicy ?? 'reject';
  if (!SESSION_LIMIT_POLICIES.includes(sessionLimitPolicy)) {
    throw new TokenTrackingConfigurationError(
      `sessionLimitPolicy must be one of ${SESSION_LIMIT_POLICIES.join(', ')} (got ${String(sessionLimitPolicy)})`,
    );
  }
  const lastUsedIntervalMs = requireInteger(options.lastUsedIntervalSeconds ?? 60, 'lastUsedIntervalSeconds', 0) * 1000;
  const sessionIdleTimeoutSeconds = optionalInteger(options.sessionIdleTimeout, 'sessionIdleTimeout', 1);
  if (sessionIdleTimeoutSeconds !== null) {
    if (!trackUserTokens) {
      throw new TokenTrackingConfigurationError('sessionIdleTimeout needs trackUserTokens: true (activity is recorded on the session)');
    }
    if (lastUsedIntervalMs === 0 || sessionIdleTimeoutSeconds * 1000 < 2 * lastUsedIntervalMs) {
      throw new TokenTrackingConfigurationError(
        `sessionIdleTimeout (${sessionIdleTimeoutSeconds} s) must be at least twice lastUsedIntervalSeconds (${lastUsedIntervalMs / 1000} s), ` +
          'since use is recorded at most once per interval: lower lastUsedIntervalSeconds or raise the timeout',
      );
    }
  }
  return {
    keys: keySetFromOptions(options.signing),
    issuer,
    audiences,
    expiresInSeconds: requireInteger(options.expiresIn ?? DEFAULT_EXPIRES_IN_SECONDS, 'expiresIn', 1),
    trackUserTokens,
    maxUserSessions,
    sessionLimitPolicy,
    refreshExpiresInSeconds: requireInteger(options.refreshExpiresIn ?? DEFAULT_REFRESH_EXPIRES_IN_SECONDS, 'refreshExpiresIn', 1),
    refreshGraceMs: requireInteger(options.refreshGraceSeconds ?? 10, 'refreshGraceSeconds', 0) * 1000,
    sessionMaxLifetimeSeconds: optionalInteger(options.sessionMaxLifetime, 'sessionMaxLifetime', 1),
    sessionIdleTimeoutSeconds,
    lastUsedIntervalMs,
    purge: resolvePurge(options.purge),
    revocationReplica: resolveRevocationReplica(options.revocationReplica),
    whenStoreUnavailable: requireOneOf(options.whenStoreUnavailable ?? 'reject', 'whenStoreUnavailable', ['reject', 'accept-signed']),
    maxTokenSize: requireInteger(options.maxTokenSize ?? DEFAULT_MAX_TOKEN_SIZE, 'maxTokenSize', 64),
    clockToleranceSeconds: requireInteger(options.clockToleranceSeconds ?? 0, 'clockToleranceSeconds', 0),
    jwtFromRequest: requireFunction(options.jwtFromRequest, 'jwtFromRequest') ?? ExtractJwt.fromAuthHeaderAsBearerToken(),
    resolveUser: requireFunction(options.resolveUser, 'resolveUser'),
    clock: requireFunction(options.clock, 'clock') ?? Date.now,
  };
}

/**
 * `sessionRoutes` and friends written inside `useFactory`'s result would
 * type-check and be ignored; a misspelt option would be ignored too. Both
 * are refused, saying where the option belongs.
 */
function refuseMisplacedOptions(options: Record<string, unknown>): void {
  for (const name of Object.keys(options)) {
    if ((MODULE_SHAPE_OPTIONS as readonly string[]).includes(name)) {
      throw new TokenTrackingConfigurationError(
        `${name} shapes the module, so it cannot come from useFactory: write it next to useFactory, ` +
          `as forRootAsync({ ${name}: ..., imports, inject, useFactory })`,
      );
    }
    if (name in RENAMED_OPTIONS) {
      throw new TokenTrackingConfigurationError(`${name} is now called ${RENAMED_OPTIONS[name]} (see docs/revocation-replica.md)`);
    }
    if (!KNOWN_OPTIONS.has(name)) {
      throw new TokenTrackingConfigurationError(`unknown option ${JSON.stringify(name)}; known options: ${[...KNOWN_OPTIONS].join(', ')}`);
    }
  }
}

function resolvePurge(purge: PurgeOptions | false | undefined): Required<PurgeOptions> | null {
  if (purge === false) return null;
  if (purge !== undefined && (typeof purge !== 'object' || purge === null)) {
    throw new TokenTrackingConfigurationError('purge must be an object or false');
  }
  const resolved = { ...DEFAULT_PURGE, ...purge };
  requireInteger(resolved.intervalSeconds, 'purge.intervalSeconds', 1);
  requireInteger(resolved.batchSize, 'purge.batchSize', 1);
  requireInteger(resolved.retentionSeconds, 'purge.retentionSeconds', 0);
  requireInteger(resolved.maxDurationSeconds, 'purge.maxDurationSeconds', 1);
  return resolved;
}

function resolveRevocationReplica(replica: RevocationReplicaOptions | false | undefined): ResolvedRevocationReplica | null {
  if (!replica) return null;
  return {
    connectionString: requireNonEmpty(replica.connectionString, 'revocationReplica.connectionString'),
    maxEntries: requireInteger(replica.maxEntries ?? DEFAULT_REPLICA_MAX_ENTRIES, 'revocationReplica.maxEntries', 1),
    heartbeatMs: requireInteger(replica.heartbeatSeconds ?? 2, 'revocationReplica.heartbeatSeconds', 1) * 1000,
    whenUnsynced: requireOneOf(replica.whenUnsynced ?? 'query-database', 'revocationReplica.whenUnsynced', ['query-database', 'reject']),
  };
}

function requireNonEmpty(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TokenTrackingConfigurationError(`${name} must be a non-empty string`);
  }
  return value;
}

function requireInteger(value: unknown, name: string, minimum: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
    throw new TokenTrackingConfigurationError(`${name} must be an integer >= ${minimum} (got ${String(value)})`);
  }
  return value;
}

function optionalInteger(value: unknown, name: string, minimum: number): number | null {
  return value === undefined || value === null ? null : requireInteger(value, name, minimum);
}

function requireBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new TokenTrackingConfigurationError(`${name} must be true or false (got ${String(value)})`);
  return value;
}

function requireOneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new TokenTrackingConfigurationError(`${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')} (got ${String(value)})`);
  }
  return value as T;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
function requireFunction<T extends Function>(value: T | undefined, name: string): T | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'function') throw new TokenTrackingConfigurationError(`${name} must be a function`);
  return value;
}

function isPrismaClient(value: unknown): boolean {
  const client = value as Record<string, unknown> | null;
  return typeof client === 'object' && client !== null &&
    typeof client.$queryRaw === 'function' && typeof client.$executeRaw === 'function' && typeof client.$transaction === 'function';
}

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
  refuseUnknownKeys(given, ['path', 'cookie', 'csrf', 'loginUrl'], 'browserSessions');
  const routesPath = (given.path ?? DEFAULT_BROWSER_SESSIONS_PATH).replace(/^\/+|\/+$/g, '');
  const cookie = given.cookie ?? {};
  const csrf = given.csrf ?? {};
  refuseUnknownKeys(cookie, ['name', 'secure', 'sameSite', 'domain', 'hostPrefix', 'path'], 'browserSessions.cookie');
  refuseUnknownKeys(csrf, ['allowedOrigins', 'header'], 'browserSessions.csrf');
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

/** A misspelt security setting (`samesite`) would otherwise be ignored in favour of its default. */
function refuseUnknownKeys(value: object, known: readonly string[], name: string): void {
  if (typeof value !== 'object' || value === null) throw new TokenTrackingConfigurationError(`${name} must be an object`);
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new TokenTrackingConfigurationError(`unknown option ${name}.${unknown[0]}; known: ${known.join(', ')}`);
  }
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
