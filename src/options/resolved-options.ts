import { ExtractJwt } from 'passport-jwt';
import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { KeySet } from '../keys/key-set.js';
import { keySetFromOptions } from '../keys/key-set-from-options.js';
import { DEFAULT_STORE_TIMEOUTS, StoreTimeouts } from '../store/store-timeouts.js';
import { SessionLimitPolicy } from '../store/token-store.interface.js';
import { JwtFromRequest } from './jwt-from-request.js';
import { requireTimeoutMs } from './timeout-option.js';
import {
  PurgeOptions,
  ResolveUser,
  RevocationReplicaOptions,
  StoreTimeoutOptions,
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
  readonly storeTimeouts: StoreTimeouts;
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
  'lastUsedIntervalSeconds', 'purge', 'revocationReplica', 'whenStoreUnavailable', 'storeTimeouts', 'maxTokenSize',
  'clockToleranceSeconds', 'jwtFromRequest', 'resolveUser', 'clock',
] satisfies Array<keyof TokenTrackingModuleOptions>);

/** Options that shape the module (routes, visibility): fixed when it is defined, so not in what `useFactory` returns. */
export const MODULE_SHAPE_OPTIONS = ['isGlobal', 'sessionRoutes', 'adminRoutes', 'jwksRoute', 'dashboard'] as const;

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
    storeTimeouts: resolveStoreTimeouts(options.storeTimeouts),
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

function resolveStoreTimeouts(timeouts: StoreTimeoutOptions | undefined): StoreTimeouts {
  if (timeouts !== undefined && (typeof timeouts !== 'object' || timeouts === null)) {
    throw new TokenTrackingConfigurationError('storeTimeouts must be an object');
  }
  const resolved = { ...DEFAULT_STORE_TIMEOUTS, ...timeouts };
  for (const name of Object.keys(resolved)) {
    if (!(name in DEFAULT_STORE_TIMEOUTS)) {
      throw new TokenTrackingConfigurationError(`unknown option storeTimeouts.${name}; known: ${Object.keys(DEFAULT_STORE_TIMEOUTS).join(', ')}`);
    }
  }
  return {
    revocationCheckMs: requireTimeoutMs(resolved.revocationCheckMs, 'storeTimeouts.revocationCheckMs'),
    readMs: requireTimeoutMs(resolved.readMs, 'storeTimeouts.readMs'),
    writeMs: requireTimeoutMs(resolved.writeMs, 'storeTimeouts.writeMs'),
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
