import { createPublicKey, KeyObject, webcrypto } from 'node:crypto';
import { AlgorithmNotAllowedError } from '../errors/algorithm-not-allowed.error.js';
import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { KeysUnavailableError } from '../errors/keys-unavailable.error.js';
import { UnknownKeyError } from '../errors/unknown-key.error.js';
import { JwsHeader } from '../jws/jws-codec.js';
import { AsymmetricAlgorithm, isSigningAlgorithm } from '../jws/signing-algorithm.js';
import { assertKeyFitsAlgorithm, JwsKey } from '../jws/signing-keys.js';
import { ThrottledWarning } from '../observability/throttled-warning.js';
import type { RemoteKeySetOptions } from '../options/token-tracking-options.interface.js';
import { requireTimeoutMs } from '../options/timeout-option.js';
import { loadOptionalPeer } from '../runtime/optional-peer.js';
import { RemoteKeySource, RemoteKeyStatus } from './key-set.js';

/** A JWKS that cannot be fetched is logged at most this often (every request fails meanwhile). */
const FAILURE_LOG_INTERVAL_MS = 30_000;
/** Default of `fetchTimeoutMs`. */
export const DEFAULT_JWKS_FETCH_TIMEOUT_MS = 5_000;

type JwksResolver = (header: { alg: string; kid?: string }) => Promise<webcrypto.CryptoKey | KeyObject>;

interface Jose {
  createRemoteJWKSet(url: URL, options?: { cacheMaxAge?: number; cooldownDuration?: number; timeoutDuration?: number }): JwksResolver;
}

/**
 * The public keys another service publishes as a JWKS, fetched and cached by
 * `jose` (an optional peer dependency; fetching a remote key set well —
 * caching, cooldown on unknown `kid`s, timeouts — is its job). Only the
 * configured algorithms are accepted, and a key is used only with the
 * algorithm its own JWK and the token agree on.
 */
export class RemoteKeySet implements RemoteKeySource {
  private readonly algorithms: ReadonlySet<string>;
  private readonly url: URL;
  private readonly fetchTimeoutMs: number;
  private resolver: Promise<JwksResolver> | undefined;
  private readonly failureWarning = new ThrottledWarning(FAILURE_LOG_INTERVAL_MS);
  status: RemoteKeyStatus = { available: null, lastError: null };

  constructor(private readonly options: RemoteKeySetOptions) {
    try {
      this.url = new URL(options.jwksUrl);
    } catch {
      throw new TokenTrackingConfigurationError(`signing.jwksUrl must be an absolute URL (got ${JSON.stringify(options.jwksUrl)})`);
    }
    if (this.url.username || this.url.password) {
      // fetch() refuses such URLs, and they would end up in logs: pass credentials another way (a query is fine).
      throw new TokenTrackingConfigurationError('signing.jwksUrl must not carry credentials (user:password@)');
    }
    const algorithms = Array.isArray(options.algorithms) ? options.algorithms : [];
    if (algorithms.length === 0 || !algorithms.every((algorithm) => isSigningAlgorithm(algorithm) && !algorithm.startsWith('HS'))) {
      throw new TokenTrackingConfigurationError('signing.algorithms must list the asymmetric algorithms accepted from signing.jwksUrl');
    }
    this.algorithms = new Set(algorithms);
    this.fetchTimeoutMs = requireTimeoutMs(options.fetchTimeoutMs ?? DEFAULT_JWKS_FETCH_TIMEOUT_MS, 'signing.fetchTimeoutMs');
  }

  async keyFor(header: JwsHeader): Promise<JwsKey> {
    if (!this.algorithms.has(header.alg)) throw new AlgorithmNotAllowedError();
    const algorithm = header.alg as AsymmetricAlgorithm;
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    let found: webcrypto.CryptoKey | KeyObject;
    try {
      found = await (await this.resolve())({ alg: algorithm, ...(kid === undefined ? {} : { kid }) });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') {
        // The set was fetched; it just has no such key.
        this.status = { available: true, lastError: null };
        throw new UnknownKeyError();
      }
      if (error instanceof TokenTrackingConfigurationError) throw error;
      this.recordFailure(error);
      throw new KeysUnavailableError({ cause: error });
    }
    this.status = { available: true, lastError: null };
    const key = found instanceof KeyObject ? found : KeyObject.from(found);
    const publicKey = key.type === 'public' ? key : createPublicKey(key);
    try {
      assertKeyFitsAlgorithm(kid ?? '(none)', algorithm, publicKey);
    } catch {
      // A published key unfit for the token's algorithm (a short RSA key, another curve) is no key for it.
      throw new UnknownKeyError();
    }
    return { kid: kid ?? '', algorithm, key: publicKey };
  }

  async probe(): Promise<void> {
    const [algorithm] = this.algorithms;
    // A kid no key set holds: a fetched set answers "no such key", which counts as available.
    await this.keyFor({ alg: algorithm!, kid: 'nestjs-token-tracking-health-probe' }).catch(() => undefined);
  }

  private recordFailure(error: unknown): void {
    // The status reaches a health route that is often public: a stable cause there, the URL and the error in the log.
    this.status = { available: false, lastError: `${fetchFailureOf(error)} (KEYS_UNAVAILABLE); the cause is in the server log` };
    // Never the URL's query (it may carry a key), not even in the log.
    const shown = `${this.url.origin}${this.url.pathname}`;
    const message = (error instanceof Error ? error.message : String(error)).replaceAll(this.url.href, shown);
    this.failureWarning.warn(`cannot fetch the key set, so every token is answered 503 KEYS_UNAVAILABLE: ${shown}: ${message}`);
  }

  /** Loads `jose` at startup, so that a missing package stops the application there rather than at the first request. */
  async warmUp(): Promise<void> {
    await this.resolve();
  }

  private resolve(): Promise<JwksResolver> {
    this.resolver ??= loadOptionalPeer<Jose>('jose').then((jose) => {
      if (!jose) {
        throw new TokenTrackingConfigurationError('signing.jwksUrl needs the `jose` package: npm install jose');
      }
      return jose.createRemoteJWKSet(this.url, {
        cacheMaxAge: (this.options.cacheMaxAgeSeconds ?? 600) * 1000,
        cooldownDuration: 30_000,
        timeoutDuration: this.fetchTimeoutMs,
      });
    });
    return this.resolver;
  }
}

/** What went wrong fetching a key set, from jose's error codes and messages, in words that name no host. */
function fetchFailureOf(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === 'ERR_JWKS_TIMEOUT') return 'the key set did not arrive in time';
  if (code === 'ERR_JWKS_INVALID') return 'the answer is not a JSON Web Key Set';
  if (typeof message === 'string' && message.startsWith('Expected 200 OK')) return 'the key set URL answered with an error status';
  if (typeof message === 'string' && message.startsWith('Failed to parse')) return 'the answer is not JSON';
  return 'the key set URL could not be reached';
}
