import { createPrivateKey, createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import {
  ALGORITHM_SPECS,
  MIN_RSA_MODULUS_BITS,
  SigningAlgorithm,
} from './signing-algorithm.js';

/** Key material as an application usually holds it: PEM text, raw bytes or a KeyObject. */
export type KeyInput = string | Buffer | KeyObject;

/**
 * The keys of one algorithm, parsed once. Keeping KeyObjects (rather than
 * PEM strings or secrets re-parsed on every call) is what makes a
 * verification cost microseconds.
 */
export interface SigningKeys {
  readonly algorithm: SigningAlgorithm;
  readonly signingKey: KeyObject;
  readonly verificationKey: KeyObject;
}

export function createHmacKeys(algorithm: SigningAlgorithm, secret: KeyInput): SigningKeys {
  const key = secret instanceof KeyObject ? secret : createSecretKey(toBuffer(secret));
  if (key.type !== 'secret') {
    throw new TokenTrackingConfigurationError(`${algorithm} needs a shared secret, not a ${key.type} key`);
  }
  const minimum = ALGORITHM_SPECS[algorithm].minSecretBytes ?? 0;
  const size = key.symmetricKeySize ?? 0;
  if (size < minimum) {
    throw new TokenTrackingConfigurationError(
      `${algorithm} needs a secret of at least ${minimum} bytes (got ${size}); generate one with \`openssl rand -base64 ${minimum}\``,
    );
  }
  return { algorithm, signingKey: key, verificationKey: key };
}

export function createAsymmetricKeys(
  algorithm: SigningAlgorithm,
  privateKeyInput: KeyInput,
  publicKeyInput?: KeyInput,
): SigningKeys {
  const signingKey = parseKey(algorithm, privateKeyInput, 'private');
  const verificationKey = publicKeyInput === undefined
    ? createPublicKey(signingKey)
    : parseKey(algorithm, publicKeyInput, 'public');
  assertKeyFitsAlgorithm(algorithm, signingKey);
  assertKeyFitsAlgorithm(algorithm, verificationKey);
  return { algorithm, signingKey, verificationKey };
}

function parseKey(algorithm: SigningAlgorithm, input: KeyInput, kind: 'private' | 'public'): KeyObject {
  if (input instanceof KeyObject) {
    if (input.type !== kind) {
      throw new TokenTrackingConfigurationError(`${algorithm}: expected a ${kind} key, got a ${input.type} key`);
    }
    return input;
  }
  try {
    return kind === 'private' ? createPrivateKey(input) : createPublicKey(input);
  } catch (error) {
    throw new TokenTrackingConfigurationError(
      `${algorithm}: the ${kind} key could not be parsed (${(error as Error).message}); pass PEM text, DER bytes or a KeyObject`,
    );
  }
}

function assertKeyFitsAlgorithm(algorithm: SigningAlgorithm, key: KeyObject): void {
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
  if (problem) throw new TokenTrackingConfigurationError(`${algorithm} ${problem}`);
}

function toBuffer(secret: string | Buffer): Buffer {
  return typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
}
