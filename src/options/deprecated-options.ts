import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { warnDeprecatedOnce } from './deprecation-warning.js';
import { RevocationCacheOptions, RevocationReplicaOptions, TokenTrackingModuleOptions } from './token-tracking-options.interface.js';

/**
 * Spellings of earlier releases, still accepted for at least one minor
 * release after the one that deprecated them (docs/upgrading.md), each
 * translated to its replacement with one warning per process.
 */
const DEPRECATED_OPTIONS = {
  revocationCache: {
    replacement: 'revocationReplica',
    refusedFrom: '0.4.0',
    translate: (options: TokenTrackingModuleOptions) => ({ revocationReplica: replicaFromCache(options.revocationCache) }),
  },
} as const satisfies Record<string, {
  replacement: keyof TokenTrackingModuleOptions;
  refusedFrom: string;
  translate: (options: TokenTrackingModuleOptions) => Partial<TokenTrackingModuleOptions>;
}>;

/**
 * The options with every deprecated spelling replaced by the current one.
 * Giving both spellings is refused: which one was meant cannot be known.
 */
export function withDeprecatedOptionsTranslated(options: TokenTrackingModuleOptions): TokenTrackingModuleOptions {
  let translated = options;
  for (const name of Object.keys(DEPRECATED_OPTIONS) as Array<keyof typeof DEPRECATED_OPTIONS>) {
    const deprecation = DEPRECATED_OPTIONS[name];
    if (!(name in options)) continue;
    if (deprecation.replacement in options) {
      throw new TokenTrackingConfigurationError(`${name} and ${deprecation.replacement} are the same option; give only ${deprecation.replacement}`);
    }
    warnDeprecatedOnce(name, `${name} is deprecated: call it ${deprecation.replacement} (see docs/upgrading.md); it will be refused from ${deprecation.refusedFrom} on`);
    const { [name]: _deprecated, ...rest } = translated;
    translated = { ...rest, ...deprecation.translate(options) };
  }
  return translated;
}

/**
 * The replica took the cache's place in 0.2.0. It holds every revocation,
 * so no verdict ages and `maxAgeSeconds` has nothing left to bound: it is
 * ignored, with a warning of its own.
 */
function replicaFromCache(cache: RevocationCacheOptions | false | undefined): RevocationReplicaOptions | false | undefined {
  if (!cache) return cache;
  if (typeof cache !== 'object') return cache;
  const { maxAgeSeconds, ...replica } = cache;
  if (maxAgeSeconds !== undefined) {
    warnDeprecatedOnce('revocationCache.maxAgeSeconds', 'revocationCache.maxAgeSeconds is ignored: the revocation replica holds every revocation, so no verdict needs re-checking');
  }
  return replica;
}
