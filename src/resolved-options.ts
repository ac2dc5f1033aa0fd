import { ExtractJwt } from 'passport-jwt';
import { TokenTrackingConfigurationError } from './errors/configuration.error.js';
import type { JwtFromRequest } from './http/tracked-jwt.strategy.js';
import { JwsCodec } from './jws/jws-codec.js';
import { isSigningAlgorithm, SigningAlgorithm } from './jws/signing-algorithm.js';
import { createAsymmetricKeys, createHmacKeys } from './jws/signing-keys.js';
import { SessionLimitPolicy } from './store/token-store.interface.js';
import { PurgeOptions, RevocationCacheOptions, TokenTrackingModuleOptions } from './token-tracking-options.interface.js';

export interface ResolvedRevocationCache {
  readonly connectionString: string;
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  readonly heartbeatMs: number;
}

/** The options with every default applied and every key parsed, checked once at startup. */
export interface ResolvedTokenTrackingOptions {
  readonly codec: JwsCodec;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly expiresInSeconds: number;
  readonly trackUserTokens: boolean;
  readonly maxUserSessions: number;
  readonly sessionLimitPolicy: SessionLimitPolicy;
  readonly refreshExpiresInSeconds: number;
  readonly refreshGraceMs: number;
  readonly lastUsedIntervalMs: number;
  readonly purge: Required<PurgeOptions> | null;
  readonly revocationCache: ResolvedRevocationCache | null;
  readonly whenStoreUnavailable: 'reject' | 'accept-signed';
  readonly maxTokenSize: number;
  readonly clockToleranceSeconds: number;
  readonly jwtFromRequest: JwtFromRequest;
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
const SESSION_LIMIT_POLICIES: readonly SessionLimitPolicy[] = ['reject', 'evict-oldest'];

export function resolveTokenTrackingOptions(options: TokenTrackingModuleOptions): ResolvedTokenTrackingOptions {
  const issuer = requireNonEmpty(options.issuer, 'issuer');
  const audienceList = Array.isArray(options.audience) ? options.audience : [options.audience];
  if (audienceList.length === 0) throw new TokenTrackingConfigurationError('audience must name at least one audience');
  const audiences = audienceList.map((audience) => requireNonEmpty(audience, 'audience'));
  const trackUserTokens = options.trackUserTokens ?? true;
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
  return {
    codec: createCodec(options),
    issuer,
    audiences,
    expiresInSeconds: requireInteger(options.expiresIn ?? DEFAULT_EXPIRES_IN_SECONDS, 'expiresIn', 1),
    trackUserTokens,
    maxUserSessions,
    sessionLimitPolicy,
    refreshExpiresInSeconds: requireInteger(options.refreshExpiresIn ?? DEFAULT_REFRESH_EXPIRES_IN_SECONDS, 'refreshExpiresIn', 1),
    refreshGraceMs: requireInteger(options.refreshGraceSeconds ?? 10, 'refreshGraceSeconds', 0) * 1000,
    lastUsedIntervalMs: requireInteger(options.lastUsedIntervalSeconds ?? 60, 'lastUsedIntervalSeconds', 0) * 1000,
    purge: resolvePurge(options.purge),
    revocationCache: resolveRevocationCache(options.revocationCache),
    whenStoreUnavailable: resolveUnavailablePolicy(options.whenStoreUnavailable),
    maxTokenSize: requireInteger(options.maxTokenSize ?? DEFAULT_MAX_TOKEN_SIZE, 'maxTokenSize', 64),
    clockToleranceSeconds: requireInteger(options.clockToleranceSeconds ?? 0, 'clockToleranceSeconds', 0),
    jwtFromRequest: options.jwtFromRequest ?? ExtractJwt.fromAuthHeaderAsBearerToken(),
    clock: options.clock ?? Date.now,
  };
}

function resolvePurge(purge: PurgeOptions | false | undefined): Required<PurgeOptions> | null {
  if (purge === false) return null;
  const resolved = { ...DEFAULT_PURGE, ...purge };
  requireInteger(resolved.intervalSeconds, 'purge.intervalSeconds', 1);
  requireInteger(resolved.batchSize, 'purge.batchSize', 1);
  requireInteger(resolved.retentionSeconds, 'purge.retentionSeconds', 0);
  requireInteger(resolved.maxDurationSeconds, 'purge.maxDurationSeconds', 1);
  return resolved;
}

function resolveRevocationCache(cache: RevocationCacheOptions | false | undefined): ResolvedRevocationCache | null {
  if (!cache) return null;
  return {
    connectionString: requireNonEmpty(cache.connectionString, 'revocationCache.connectionString'),
    maxEntries: requireInteger(cache.maxEntries ?? 100_000, 'revocationCache.maxEntries', 1),
    maxAgeMs: requireInteger(cache.maxAgeSeconds ?? 60, 'revocationCache.maxAgeSeconds', 1) * 1000,
    heartbeatMs: requireInteger(cache.heartbeatSeconds ?? 2, 'revocationCache.heartbeatSeconds', 1) * 1000,
  };
}

function resolveUnavailablePolicy(policy: unknown): 'reject' | 'accept-signed' {
  if (policy === undefined || policy === 'reject' || policy === 'accept-signed') return policy ?? 'reject';
  throw new TokenTrackingConfigurationError(`whenStoreUnavailable must be 'reject' or 'accept-signed' (got ${String(policy)})`);
}

function createCodec(options: TokenTrackingModuleOptions): JwsCodec {
  const signing = options.signing;
  if (!signing) throw new TokenTrackingConfigurationError('signing options are required');
  const algorithm: SigningAlgorithm = signing.algorithm ?? 'HS256';
  if (!isSigningAlgorithm(algorithm)) {
    throw new TokenTrackingConfigurationError(`unsupported signing algorithm ${String(algorithm)}`);
  }
  if ('secret' in signing) {
    if (!algorithm.startsWith('HS')) {
      throw new TokenTrackingConfigurationError(`${algorithm} signs with privateKey/publicKey, not a secret`);
    }
    return new JwsCodec(createHmacKeys(algorithm, signing.secret), signing.keyId);
  }
  if (algorithm.startsWith('HS')) {
    throw new TokenTrackingConfigurationError(`${algorithm} needs signing.secret`);
  }
  if (!('privateKey' in signing) || !signing.privateKey) {
    throw new TokenTrackingConfigurationError(`${algorithm} needs signing.privateKey`);
  }
  return new JwsCodec(createAsymmetricKeys(algorithm, signing.privateKey, signing.publicKey), signing.keyId);
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
