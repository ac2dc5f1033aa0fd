import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { bearerTokenFromHeader } from './bearer-token-from-header.js';
import { KeySet } from '../keys/key-set.js';
import { withDeprecatedOptionsTranslated } from './deprecated-options.js';
import { keySetFromOptions } from '../keys/key-set-from-options.js';
import type { TokenTrackingPrismaClient } from '../store/prisma-client.interface.js';
import { DEFAULT_STORE_TIMEOUTS, StoreTimeouts } from '../store/store-timeouts.js';
import { SessionLimitPolicy } from '../store/token-store.interface.js';
import { JwtFromRequest } from './jwt-from-request.js';
import { requireTimeoutMs } from './timeout-option.js';
import {
  describeValue,
  MAX_INT4,
  MAX_TIMER_SECONDS,
  optionalDuration,
  optionalObject,
  refuseUnknownOptions,
  requireBoolean,
  requireDuration,
  requireFunction,
  requireInteger,
  requireNonEmpty,
  requireOneOf,
  requireTimerSeconds,
} from './option-checks.js';
import {
  PurgeOptions,
  ResolveUser,
  RevocationReplicaOptions,
  StoreTimeoutOptions,
  TokenTrackingModuleOptions,
} from './token-tracking-options.interface.js';

export interface ResolvedRevocationReplica {
  readonly connectionString: string | null;
  readonly maxEntries: number;
  readonly heartbeatMs: number;
  readonly pollIntervalMs: number;
  readonly maxStalenessMs: number;
  readonly readFrom: TokenTrackingPrismaClient | null;
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
/** An entry takes 32 to 64 bytes of the replica's tables: past this an instance would hold gigabytes for it. */
const MAX_REPLICA_ENTRIES = 100_000_000;
const SESSION_LIMIT_POLICIES: readonly SessionLimitPolicy[] = ['reject', 'evict-oldest'];
const PURGE_OPTIONS = ['intervalSeconds', 'batchSize', 'retentionSeconds', 'maxDurationSeconds'] satisfies Array<keyof PurgeOptions>;
const REPLICA_OPTIONS = ['connectionString', 'maxEntries', 'heartbeatSeconds', 'whenUnsynced', 'pollIntervalMs', 'maxStalenessMs', 'readFrom'] satisfies Array<keyof RevocationReplicaOptions>;
const MAX_PURGE_DURATION_SECONDS = MAX_TIMER_SECONDS - 60;

/** Every option `forRoot` and `useFactory` may give; anything else is a mistake worth stopping for. */
const KNOWN_OPTIONS = new Set<string>([
  'prisma', 'store', 'signing', 'issuer', 'audience', 'expiresIn', 'trackUserTokens', 'maxUserSessions',
  'sessionLimitPolicy', 'refreshExpiresIn', 'refreshGraceSeconds', 'sessionMaxLifetime', 'sessionIdleTimeout',
  'lastUsedIntervalSeconds', 'purge', 'revocationReplica', 'whenStoreUnavailable', 'storeTimeouts', 'maxTokenSize',
  'clockToleranceSeconds', 'jwtFromRequest', 'resolveUser', 'clock',
] satisfies Array<keyof TokenTrackingModuleOptions>);

/** Options that shape the module (routes, visibility): fixed when it is defined, so not in what `useFactory` returns. */
export const MODULE_SHAPE_OPTIONS = ['isGlobal', 'sessionRoutes', 'adminRoutes', 'jwksRoute', 'dashboard', 'browserSessions'] as const;

export function resolveTokenTrackingOptions(given: TokenTrackingModuleOptions): ResolvedTokenTrackingOptions {
  if (typeof given !== 'object' || given === null) {
    throw new TokenTrackingConfigurationError('options must be an object (did useFactory return nothing?)');
  }
  const options = withDeprecatedOptionsTranslated(given);
  refuseMisplacedOptions(options as unknown as Record<string, unknown>);
  if (options.prisma !== undefined && !isPrismaClient(options.prisma)) {
    throw new TokenTrackingConfigurationError('prisma must be a PrismaClient (or a service extending one): the value given has no $queryRaw, $executeRaw and $transaction');
  }
  const issuer = requireNonEmpty(options.issuer, 'issuer');
  const audienceList = Array.isArray(options.audience) ? options.audience : [options.audience];
  if (audienceList.length === 0) throw new TokenTrackingConfigurationError('audience must name at least one audience');
  const audiences = audienceList.map((audience) => requireNonEmpty(audience, 'audience'));
  const trackUserTokens = requireBoolean(options.trackUserTokens ?? true, 'trackUserTokens');
  const maxUserSessions = requireInteger(options.maxUserSessions ?? 0, 'maxUserSessions', 0, MAX_INT4);
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
  const lastUsedIntervalMs = requireDuration(options.lastUsedIntervalSeconds ?? 60, 'lastUsedIntervalSeconds', 0) * 1000;
  const sessionIdleTimeoutSeconds = optionalDuration(options.sessionIdleTimeout, 'sessionIdleTimeout', 1);
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
    expiresInSeconds: requireDuration(options.expiresIn ?? DEFAULT_EXPIRES_IN_SECONDS, 'expiresIn', 1),
    trackUserTokens,
    maxUserSessions,
    sessionLimitPolicy,
    refreshExpiresInSeconds: requireDuration(options.refreshExpiresIn ?? DEFAULT_REFRESH_EXPIRES_IN_SECONDS, 'refreshExpiresIn', 1),
    refreshGraceMs: requireDuration(options.refreshGraceSeconds ?? 10, 'refreshGraceSeconds', 0) * 1000,
    sessionMaxLifetimeSeconds: optionalDuration(options.sessionMaxLifetime, 'sessionMaxLifetime', 1),
    sessionIdleTimeoutSeconds,
    lastUsedIntervalMs,
    purge: resolvePurge(options.purge),
    revocationReplica: resolveRevocationReplica(options.revocationReplica),
    whenStoreUnavailable: requireOneOf(options.whenStoreUnavailable ?? 'reject', 'whenStoreUnavailable', ['reject', 'accept-signed']),
    storeTimeouts: resolveStoreTimeouts(options.storeTimeouts),
    maxTokenSize: requireInteger(options.maxTokenSize ?? DEFAULT_MAX_TOKEN_SIZE, 'maxTokenSize', 64),
    clockToleranceSeconds: requireDuration(options.clockToleranceSeconds ?? 0, 'clockToleranceSeconds', 0),
    jwtFromRequest: requireFunction(options.jwtFromRequest, 'jwtFromRequest') ?? bearerTokenFromHeader,
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
    if (!KNOWN_OPTIONS.has(name)) {
      throw new TokenTrackingConfigurationError(`unknown option ${JSON.stringify(name)}; known options: ${[...KNOWN_OPTIONS].join(', ')}`);
    }
  }
}

function resolvePurge(purge: PurgeOptions | false | undefined): Required<PurgeOptions> | null {
  if (purge === false) return null;
  if (purge !== undefined && (typeof purge !== 'object' || purge === null || Array.isArray(purge))) {
    throw new TokenTrackingConfigurationError(`purge must be an object or false (got ${describeValue(purge)})`);
  }
  if (purge) refuseUnknownOptions(purge, 'purge', PURGE_OPTIONS);
  const resolved = { ...DEFAULT_PURGE, ...purge };
  requireTimerSeconds(resolved.intervalSeconds, 'purge.intervalSeconds', 1);
  requireInteger(resolved.batchSize, 'purge.batchSize', 1, MAX_INT4);
  requireDuration(resolved.retentionSeconds, 'purge.retentionSeconds', 0);
  // A run's transaction may last a minute longer than the run, and that is a timer too.
  requireTimerSeconds(resolved.maxDurationSeconds, 'purge.maxDurationSeconds', 1, MAX_PURGE_DURATION_SECONDS);
  return resolved;
}

function resolveRevocationReplica(replica: RevocationReplicaOptions | boolean | undefined): ResolvedRevocationReplica | null {
  if (replica === undefined || replica === false) return null;
  if (replica === true) replica = {};
  optionalObject(replica, 'revocationReplica');
  refuseUnknownOptions(replica, 'revocationReplica', REPLICA_OPTIONS);
  const pollIntervalMs = requireInteger(replica.pollIntervalMs ?? 1000, 'revocationReplica.pollIntervalMs', 20, 60_000);
  const maxStalenessMs = requireInteger(replica.maxStalenessMs ?? Math.max(5000, 2 * pollIntervalMs), 'revocationReplica.maxStalenessMs', 2 * pollIntervalMs, 3_600_000, 'twice pollIntervalMs at least, an hour at most');
  if (replica.readFrom !== undefined && typeof (replica.readFrom as { $queryRaw?: unknown })?.$queryRaw !== 'function') {
    throw new TokenTrackingConfigurationError('revocationReplica.readFrom must be a Prisma client (of a hot standby)');
  }
  return {
    connectionString: replica.connectionString === undefined ? null : requireNonEmpty(replica.connectionString, 'revocationReplica.connectionString'),
    maxEntries: requireInteger(replica.maxEntries ?? DEFAULT_REPLICA_MAX_ENTRIES, 'revocationReplica.maxEntries', 1, MAX_REPLICA_ENTRIES,
      'up to 64 bytes an entry: 6.4 GB of memory'),
    heartbeatMs: requireTimerSeconds(replica.heartbeatSeconds ?? 2, 'revocationReplica.heartbeatSeconds', 1) * 1000,
    pollIntervalMs,
    maxStalenessMs,
    readFrom: replica.readFrom ?? null,
    whenUnsynced: requireOneOf(replica.whenUnsynced ?? 'query-database', 'revocationReplica.whenUnsynced', ['query-database', 'reject']),
  };
}

function resolveStoreTimeouts(timeouts: StoreTimeoutOptions | undefined): StoreTimeouts {
  const given = optionalObject(timeouts, 'storeTimeouts');
  // Own names only: `constructor` or `toString` are on every object, and would pass an `in` test.
  if (given) refuseUnknownOptions(given, 'storeTimeouts', Object.keys(DEFAULT_STORE_TIMEOUTS));
  const resolved = { ...DEFAULT_STORE_TIMEOUTS, ...given };
  return {
    revocationCheckMs: requireTimeoutMs(resolved.revocationCheckMs, 'storeTimeouts.revocationCheckMs'),
    readMs: requireTimeoutMs(resolved.readMs, 'storeTimeouts.readMs'),
    writeMs: requireTimeoutMs(resolved.writeMs, 'storeTimeouts.writeMs'),
  };
}

function isPrismaClient(value: unknown): boolean {
  const client = value as Record<string, unknown> | null;
  return typeof client === 'object' && client !== null &&
    typeof client.$queryRaw === 'function' && typeof client.$executeRaw === 'function' && typeof client.$transaction === 'function';
}
