import { createPrivateKey, createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { HmacSha256 } from './hmac-sha256.js';
import { ALGORITHM_SPECS, MIN_RSA_MODULUS_BITS, SigningAlgorithm } from './signing-algorithm.js';

/** Key material as an application usually holds it: PEM text, raw bytes or a KeyObject. */
export type KeyInput = string | Buffer | KeyObject;

/**
 * One key, parsed once, with the id tokens name it by and the one algorithm
 * it is used with. Keeping KeyObjects (rather than PEM strings or secrets
 * re-parsed on every call) is what makes a verification cost microseconds.
 */
export interface JwsKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  /** Signing: the secret or private key. Verifying: the secret or public key. */
  readonly key: KeyObject;
  /** HS256: the secret's HMAC states, which verify a token without node:crypto (see `HmacSha256`). */
  readonly hmacSha256?: HmacSha256;
}

/** A key pair's two halves; `signing` is null for a key that only verifies. */
export interface ParsedKey {
  readonly signing: JwsKey | null;
  readonly verification: JwsKey;
}

export function parseHmacKey(kid: string, algorithm: SigningAlgorithm, secret: KeyInput): ParsedKey {
  const given: unknown = secret;
  if (typeof given !== 'string' && !Buffer.isBuffer(given) && !(given instanceof KeyObject)) {
    // Most often an environment variable that is not set.
    throw new TokenTrackingConfigurationError(
      `key ${kid}: ${algorithm} needs its secret as a string, a Buffer or a KeyObject (got ${given === undefined ? 'undefined: is the environment variable set?' : typeof given})`,
    );
  }
  const key = secret instanceof KeyObject ? secret : createSecretKey(toBuffer(secret));
  if (key.type !== 'secret') {
    throw new TokenTrackingConfigurationError(`key ${kid}: ${algorithm} needs a shared secret, not a ${key.type} key`);
  }
  const minimum = ALGORITHM_SPECS[algorithm].minSecretBytes ?? 0;
  const size = key.symmetricKeySize ?? 0;
  if (size < minimum) {
    throw new TokenTrackingConfigurationError(
      `key ${kid}: ${algorithm} needs a secret of at least ${minimum} bytes (got ${size}); generate one with \`openssl rand -base64 ${minimum}\``,
    );
  }
  const parsed: JwsKey = { kid, algorithm, key };
  // Not enumerable: a key set that is logged or serialized shows no more of the secret than its KeyObject does.
  if (algorithm === 'HS256') Object.defineProperty(parsed, 'hmacSha256', { value: hmacSha256Of(key), enumerable: false });
  return { signing: parsed, verification: parsed };
}

function hmacSha256Of(key: KeyObject): HmacSha256 {
  const secret = key.export();
  try {
    return HmacSha256.forSecret(secret);
  } finally {
    secret.fill(0);
  }
}

/** A private key (its public half derived unless given), or a public key alone (verifies only). */
export function parseAsymmetricKey(
  kid: string,
  algorithm: SigningAlgorithm,
  privateKeyInput: KeyInput | undefined,
  publicKeyInput: KeyInput | undefined,
): ParsedKey {
  const privateKey = privateKeyInput === undefined ? null : parseKey(kid, algorithm, privateKeyInput, 'private');
  if (privateKey === null && publicKeyInput === undefined) {
    throw new TokenTrackingConfigurationError(`key ${kid}: ${algorithm} needs a privateKey, a publicKey, or both`);
  }
  const publicKey = publicKeyInput === undefined ? createPublicKey(privateKey!) : parseKey(kid, algorithm, publicKeyInput, 'public');
  if (privateKey) assertKeyFitsAlgorithm(kid, algorithm, privateKey);
  assertKeyFitsAlgorithm(kid, algorithm, publicKey);
  if (privateKey && publicKeyInput !== undefined) assertSameKeyPair(kid, algorithm, privateKey, publicKey);
  return {
    signing: privateKey ? { kid, algorithm, key: privateKey } : null,
    verification: { kid, algorithm, key: publicKey },
  };
}

function parseKey(kid: string, algorithm: SigningAlgorithm, input: KeyInput, kind: 'private' | 'public'): KeyObject {
  if (input instanceof KeyObject) {
    if (input.type !== kind) {
      throw new TokenTrackingConfigurationError(`key ${kid}: ${algorithm} expected a ${kind} key, got a ${input.type} key`);
    }
    return input;
  }
  try {
    if (isDer(input)) return parseDer(input, kind);
    return kind === 'private' ? createPrivateKey(input) : createPublicKey(input);
  } catch (error) {
    throw new TokenTrackingConfigurationError(
      `key ${kid}: the ${algorithm} ${kind} key could not be parsed (${(error as Error).message}); pass PEM text, DER bytes or a KeyObject`,
    );
  }
}

/** Node reads a Buffer as PEM unless told otherwise; DER starts with an ASN.1 SEQUENCE, PEM with text. */
function isDer(input: string | Buffer): input is Buffer {
  return Buffer.isBuffer(input) && input[0] === 0x30;
}

/** DER in the encodings keys are stored in: PKCS#8 or SEC1/PKCS#1 for private keys, SPKI or PKCS#1 for public ones. */
function parseDer(der: Buffer, kind: 'private' | 'public'): KeyObject {
  const types = kind === 'private' ? (['pkcs8', 'sec1', 'pkcs1'] as const) : (['spki', 'pkcs1'] as const);
  let lastError: unknown;
  for (const type of types) {
    try {
      return kind === 'private'
        ? createPrivateKey({ key: der, format: 'der', type: type as 'pkcs8' | 'sec1' | 'pkcs1' })
        : createPublicKey({ key: der, format: 'der', type: type as 'spki' | 'pkcs1' });
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/**
 * A public key that is not the private key's own half would publish, and
 * verify with, a key nothing was signed with: every token issued would be
 * refused (by this instance too), and the JWKS would mislead every other
 * service. Refused at startup instead.
 */
function assertSameKeyPair(kid: string, algorithm: SigningAlgorithm, privateKey: KeyObject, publicKey: KeyObject): void {
  if (createPublicKey(privateKey).equals(publicKey)) return;
  throw new TokenTrackingConfigurationError(
    `key ${kid}: the ${algorithm} publicKey is not the public half of its privateKey, so every token it signs would be refused; ` +
      'give the matching publicKey, or leave publicKey out (it is derived from privateKey)',
  );
}

/** Refuses keys an algorithm is not defined for (RFC 7518): small RSA moduli, the wrong EC curve. */
export function assertKeyFitsAlgorithm(kid: string, algorithm: SigningAlgorithm, key: KeyObject): void {
  const spec = ALGORITHM_SPECS[algorithm];
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  const problem = (() => {
    switch (spec.family) {
      case 'rsa':
        if (type !== 'rsa') return `needs an RSA key, got ${type}`;
        if ((details.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) {
          return `needs an RSA key of at least ${MIN_RSA_MODULUS_BITS} bits, got ${details.modulusLength}`;
        }
        return null;
      case 'ecdsa':
        if (type !== 'ec' || details.namedCurve !== spec.curve) {
          return `needs an EC key on curve ${spec.curve}, got ${type} ${details.namedCurve ?? ''}`.trim();
        }
        return null;
      case 'eddsa':
        return type === 'ed25519' || type === 'ed448' ? null : `needs an Ed25519 or Ed448 key, got ${type}`;
      default:
        return 'is not an asymmetric algorithm';
    }
  })();
  if (problem) throw new TokenTrackingConfigurationError(`key ${kid}: ${algorithm} ${problem}`);
}

function toBuffer(secret: string | Buffer): Buffer {
  return typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
}
