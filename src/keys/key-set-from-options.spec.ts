import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { AsymmetricAlgorithm } from '../jws/signing-algorithm.js';
import { keySetFromOptions } from './key-set-from-options.js';

type KeyPair = { privateKey: KeyObject; publicKey: KeyObject };

const families: Array<[AsymmetricAlgorithm, () => KeyPair]> = [
  ['RS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['RS512', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ['ES384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
  ['ES512', () => generateKeyPairSync('ec', { namedCurve: 'P-521' })],
  ['EdDSA', () => generateKeyPairSync('ed25519')],
  ['EdDSA', () => generateKeyPairSync('ed448')],
];

describe('a private key and a public key given together', () => {
  describe.each(families)('%s', (algorithm, generate) => {
    const mine = generate();
    const someoneElses = generate();
    const pem = (key: KeyObject) => key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' }) as string;

    it('starts when they are two halves of one pair, in any form', () => {
      const keys = keySetFromOptions({ algorithm, privateKey: pem(mine.privateKey), publicKey: mine.publicKey.export({ type: 'spki', format: 'der' }), keyId: 'k' });
      expect(keys.verificationKeys[0]!.key.equals(mine.publicKey)).toBe(true);
    });

    it('is refused at startup, naming the key, when they are not', () => {
      const single = () => keySetFromOptions({ algorithm, privateKey: mine.privateKey, publicKey: someoneElses.publicKey, keyId: '2026-12' });
      expect(single).toThrow(TokenTrackingConfigurationError);
      expect(single).toThrow(/key 2026-12: the \S+ publicKey is not the public half of its privateKey/);
      const inAKeySet = () => keySetFromOptions({
        keys: [
          { kid: 'next', algorithm, privateKey: pem(mine.privateKey), publicKey: pem(someoneElses.publicKey) },
          { kid: 'previous', algorithm, publicKey: someoneElses.publicKey },
        ],
      });
      expect(inAKeySet).toThrow(/key next: the \S+ publicKey is not the public half of its privateKey/);
    });
  });
});
