import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { isSigningAlgorithm, SigningAlgorithm } from '../jws/signing-algorithm.js';
import { JwsKey, parseAsymmetricKey, parseHmacKey, ParsedKey } from '../jws/signing-keys.js';
import { describeValue, refuseUnknownOptions, requireDuration } from '../options/option-checks.js';
import type {
  AsymmetricSigningOptions,
  HmacSigningOptions,
  KeyOptions,
  KeySetSigningOptions,
  RemoteKeySetOptions,
  TokenSigningOptions,
} from '../options/token-tracking-options.interface.js';
import { MAX_KEY_ID_LENGTH } from '../validation/limits.js';
import { isStorableText } from '../validation/storable-text.js';
import { DEFAULT_KEY_ID, KeySet } from './key-set.js';
import { RemoteKeySet } from './remote-key-set.js';

/** Parses and checks the `signing` option once, at startup; every problem is a configuration error naming the key. */
export function keySetFromOptions(signing: TokenSigningOptions | undefined): KeySet {
  if (!signing || typeof signing !== 'object') {
    throw new TokenTrackingConfigurationError('signing options are required: { algorithm, secret }, { algorithm, privateKey }, { keys: [...] } or { jwksUrl, algorithms }');
  }
  refuseUnknownOptions(signing, 'signing', signingOptionNames(signing));
  if ('jwksUrl' in signing) {
    requireJwksUrl(signing.jwksUrl);
    if (signing.cacheMaxAgeSeconds !== undefined) {
      requireDuration(signing.cacheMaxAgeSeconds, 'signing.cacheMaxAgeSeconds', 0);
    }
    return new KeySet([], null, new RemoteKeySet(signing));
  }
  if ('keys' in signing) return fromKeyList(signing.keys, signing.signWith);
  const kid = signing.keyId ?? DEFAULT_KEY_ID;
  if (typeof kid !== 'string' || kid === '' || kid.length > MAX_KEY_ID_LENGTH || !isStorableText(kid)) {
    throw new TokenTrackingConfigurationError(`signing.keyId must be a non-empty string of at most ${MAX_KEY_ID_LENGTH} characters`);
  }
  if ('secret' in signing) {
    return fromKeyList([{ kid, algorithm: signing.algorithm ?? 'HS256', secret: signing.secret }], kid);
  }
  if (!('privateKey' in signing) || !signing.privateKey) {
    throw new TokenTrackingConfigurationError(`${String(signing.algorithm)} needs signing.privateKey (or signing.secret for HS256/384/512)`);
  }
  return fromKeyList([{ kid, algorithm: signing.algorithm, privateKey: signing.privateKey, publicKey: signing.publicKey }], kid);
}

function fromKeyList(keys: readonly KeyOptions[], signWith: string | undefined): KeySet {
  if (!Array.isArray(keys) || keys.length === 0) throw new TokenTrackingConfigurationError('signing.keys must list at least one key');
  const parsed = keys.map(parseKeyOptions);
  const kids = parsed.map((key) => key.verification.kid);
  const duplicate = kids.find((kid, index) => kids.indexOf(kid) !== index);
  if (duplicate !== undefined) throw new TokenTrackingConfigurationError(`signing.keys names kid ${JSON.stringify(duplicate)} twice`);
  let signing: JwsKey | null;
  if (signWith !== undefined) {
    const chosen = parsed.find((key) => key.verification.kid === signWith);
    if (!chosen) throw new TokenTrackingConfigurationError(`signing.signWith names ${JSON.stringify(signWith)}, which is not in signing.keys`);
    if (!chosen.signing) throw new TokenTrackingConfigurationError(`signing.signWith names ${JSON.stringify(signWith)}, which has no secret or private key to sign with`);
    signing = chosen.signing;
  } else {
    signing = parsed.find((key) => key.signing !== null)?.signing ?? null;
  }
  return new KeySet(parsed.map((key) => key.verification), signing);
}

/**
 * The names each form of `signing` takes, told apart by the one name only
 * that form has; a name of another form (a `secret` next to a `privateKey`)
 * is as much a mistake as a misspelt one.
 */
function signingOptionNames(signing: object): readonly string[] {
  if ('jwksUrl' in signing) return REMOTE_KEY_SET_OPTIONS;
  if ('keys' in signing) return KEY_SET_OPTIONS;
  if ('secret' in signing) return HMAC_SIGNING_OPTIONS;
  return ASYMMETRIC_SIGNING_OPTIONS;
}

const REMOTE_KEY_SET_OPTIONS = ['jwksUrl', 'algorithms', 'cacheMaxAgeSeconds', 'fetchTimeoutMs'] satisfies Array<keyof RemoteKeySetOptions>;
const KEY_SET_OPTIONS = ['keys', 'signWith'] satisfies Array<keyof KeySetSigningOptions>;
const HMAC_SIGNING_OPTIONS = ['algorithm', 'secret', 'keyId'] satisfies Array<keyof HmacSigningOptions>;
const ASYMMETRIC_SIGNING_OPTIONS = ['algorithm', 'privateKey', 'publicKey', 'keyId'] satisfies Array<keyof AsymmetricSigningOptions>;
const KEY_OPTIONS = ['kid', 'algorithm', 'secret', 'privateKey', 'publicKey'] as const;

function parseKeyOptions(options: KeyOptions, index: number): ParsedKey {
  if (typeof options !== 'object' || options === null) {
    throw new TokenTrackingConfigurationError(`signing.keys[${index}] must be an object { kid, algorithm, secret | privateKey | publicKey }`);
  }
  refuseUnknownOptions(options, `signing.keys[${index}]`, KEY_OPTIONS);
  const kid: unknown = options.kid;
  if (typeof kid !== 'string' || kid === '' || kid.length > MAX_KEY_ID_LENGTH || !isStorableText(kid)) {
    throw new TokenTrackingConfigurationError(`signing.keys[${index}].kid must be a non-empty string of at most ${MAX_KEY_ID_LENGTH} characters`);
  }
  const algorithm: unknown = options.algorithm;
  if (!isSigningAlgorithm(algorithm)) {
    throw new TokenTrackingConfigurationError(`key ${kid}: unsupported signing algorithm ${String(algorithm)}`);
  }
  const hmac = algorithm.startsWith('HS');
  if ('secret' in options) {
    if (!hmac) throw new TokenTrackingConfigurationError(`key ${kid}: ${algorithm} signs with privateKey/publicKey, not a secret`);
    return parseHmacKey(kid, algorithm, options.secret);
  }
  if (hmac) throw new TokenTrackingConfigurationError(`key ${kid}: ${algorithm} needs a secret`);
  return parseAsymmetricKey(
    kid,
    algorithm as SigningAlgorithm,
    'privateKey' in options ? options.privateKey : undefined,
    'publicKey' in options ? options.publicKey : undefined,
  );
}

/**
 * An http(s) URL: a JWKS is fetched, never read from a file or run.
 * Plain http stays allowed, for a key service inside the cluster.
 */
function requireJwksUrl(value: unknown): void {
  let protocol: string | null = null;
  try {
    protocol = typeof value === 'string' || value instanceof URL ? new URL(value).protocol : null;
  } catch {
    protocol = null;
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new TokenTrackingConfigurationError(`signing.jwksUrl must be an https:// (or http://) URL (got ${describeValue(value instanceof URL ? value.href : value)})`);
  }
}
