import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { isSigningAlgorithm, SigningAlgorithm } from '../jws/signing-algorithm.js';
import { JwsKey, parseAsymmetricKey, parseHmacKey, ParsedKey } from '../jws/signing-keys.js';
import type { KeyOptions, TokenSigningOptions } from '../options/token-tracking-options.interface.js';
import { MAX_KEY_ID_LENGTH } from '../validation/limits.js';
import { isStorableText } from '../validation/storable-text.js';
import { DEFAULT_KEY_ID, KeySet } from './key-set.js';
import { RemoteKeySet } from './remote-key-set.js';

/** Parses and checks the `signing` option once, at startup; every problem is a configuration error naming the key. */
export function keySetFromOptions(signing: TokenSigningOptions | undefined): KeySet {
  if (!signing || typeof signing !== 'object') {
    throw new TokenTrackingConfigurationError('signing options are required: { algorithm, secret }, { algorithm, privateKey }, { keys: [...] } or { jwksUrl, algorithms }');
  }
  if ('jwksUrl' in signing) return new KeySet([], null, new RemoteKeySet(signing));
  if ('keys' in signing) return fromKeyList(signing.keys, signing.signWith);
  const kid = signing.keyId ?? DEFAULT_KEY_ID;
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

function parseKeyOptions(options: KeyOptions, index: number): ParsedKey {
  const kid: unknown = options?.kid;
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
