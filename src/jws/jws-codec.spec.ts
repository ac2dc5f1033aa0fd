import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { AlgorithmNotAllowedError } from '../errors/algorithm-not-allowed.error.js';
import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { InvalidSignatureError } from '../errors/invalid-signature.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { parseJws, signJws, verifyJws } from './jws-codec.js';
import { SIGNING_ALGORITHMS, SigningAlgorithm } from './signing-algorithm.js';
import { KeyInput, parseAsymmetricKey, parseHmacKey, ParsedKey } from './signing-keys.js';

type SigningKeys = ParsedKey;
const createHmacKeys = (algorithm: SigningAlgorithm, secret: KeyInput, kid = 'key-1') => parseHmacKey(kid, algorithm, secret);
const createAsymmetricKeys = (algorithm: SigningAlgorithm, privateKey: KeyInput, publicKey?: KeyInput) =>
  parseAsymmetricKey('key-1', algorithm, privateKey, publicKey);

/** Signs with the key's signing half and verifies with its verification half, as the library does. */
class JwsCodec {
  constructor(private readonly keys: SigningKeys) {}
  sign(payload: Record<string, unknown>): string {
    return signJws(payload, this.keys.signing!);
  }
  verify(token: string) {
    const jws = parseJws(token);
    return { header: jws.header, payload: verifyJws(jws, this.keys.verification) };
  }
}

function keysFor(algorithm: SigningAlgorithm): SigningKeys {
  switch (algorithm) {
    case 'HS256': return createHmacKeys(algorithm, randomBytes(32));
    case 'HS384': return createHmacKeys(algorithm, randomBytes(48));
    case 'HS512': return createHmacKeys(algorithm, randomBytes(64));
    case 'RS256': case 'RS384': case 'RS512':
      return createAsymmetricKeys(algorithm, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    case 'ES256': return createAsymmetricKeys(algorithm, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    case 'ES384': return createAsymmetricKeys(algorithm, generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey);
    case 'ES512': return createAsymmetricKeys(algorithm, generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey);
    case 'EdDSA': return createAsymmetricKeys(algorithm, generateKeyPairSync('ed25519').privateKey);
  }
}

const payload = { sub: 'user-1', jti: 'j', iat: 1, exp: 4_000_000_000, data: { role: 'admin' } };

describe('JwsCodec', () => {
  describe.each(SIGNING_ALGORITHMS.map((algorithm) => [algorithm]))('%s', (algorithm) => {
    const keys = keysFor(algorithm);
    const codec = new JwsCodec(keys);

    it('verifies what it signs, with alg, typ and kid in the header', () => {
      const decoded = codec.verify(codec.sign(payload));
      expect(decoded.header).toEqual({ alg: algorithm, typ: 'JWT', kid: 'key-1' });
      expect(decoded.payload).toEqual(payload);
    });

    it('rejects the same token with one payload character changed', () => {
      const [header, body, signature] = codec.sign(payload).split('.');
      const tampered = Buffer.from(body!, 'base64url').toString().replace('user-1', 'user-2');
      expect(() => codec.verify(`${header}.${Buffer.from(tampered).toString('base64url')}.${signature}`))
        .toThrow(InvalidSignatureError);
    });

    it('rejects a token signed by another key of the same algorithm', () => {
      const other = new JwsCodec(keysFor(algorithm));
      expect(() => codec.verify(other.sign(payload))).toThrow(InvalidSignatureError);
    });

    it('verifies a large payload whole, and a small one after it (nothing left over from the larger)', () => {
      const large = { ...payload, data: { notes: 'é'.repeat(6_000), list: Array.from({ length: 500 }, (_, n) => n) } };
      expect(codec.verify(codec.sign(large)).payload).toEqual(large);
      expect(codec.verify(codec.sign(payload)).payload).toEqual(payload);
      const tiny = { s: 'u' };
      expect(codec.verify(codec.sign(tiny)).payload).toEqual(tiny);
    });
  });

  // jsonwebtoken (behind @nestjs/jwt) is an independent implementation of the
  // same RFCs: tokens must pass between the two in both directions. It has no
  // EdDSA, which is why this library signs with node:crypto itself.
  describe.each(SIGNING_ALGORITHMS.filter((a) => a !== 'EdDSA').map((a) => [a]))('interoperates with @nestjs/jwt for %s', (algorithm) => {
    const keys = keysFor(algorithm);
    const codec = new JwsCodec(keys);
    const jwt = new JwtService({
      privateKey: keys.signing!.key,
      publicKey: keys.verification.key,
      signOptions: { algorithm },
      verifyOptions: { algorithms: [algorithm] },
    });

    it('@nestjs/jwt verifies our tokens', () => {
      expect(jwt.verify(codec.sign(payload))).toMatchObject({ sub: 'user-1', data: { role: 'admin' } });
    });

    it('we verify tokens signed by @nestjs/jwt', () => {
      expect(codec.verify(jwt.sign({ sub: 'user-9' })).payload).toMatchObject({ sub: 'user-9' });
    });
  });

  describe('algorithm pinning', () => {
    const secret = randomBytes(32);
    const hs256 = new JwsCodec(createHmacKeys('HS256', secret));

    it('refuses alg "none" even with an empty signature', () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      expect(() => hs256.verify(`${header}.${body}.`)).toThrow(AlgorithmNotAllowedError);
    });

    it('refuses another HMAC algorithm with the very same secret', () => {
      const hs512 = new JwsCodec(createHmacKeys('HS512', Buffer.concat([secret, secret])));
      expect(() => hs256.verify(hs512.sign(payload))).toThrow(AlgorithmNotAllowedError);
    });

    it('refuses an HS256 token whose "secret" is the RS256 public key (key confusion)', () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const rs256 = new JwsCodec(createAsymmetricKeys('RS256', privateKey));
      const pem = publicKey.export({ type: 'spki', format: 'pem' });
      const confused = new JwsCodec(createHmacKeys('HS256', pem));
      expect(() => rs256.verify(confused.sign(payload))).toThrow(AlgorithmNotAllowedError);
    });

    it('refuses tokens with a crit header it does not understand', () => {
      const header = Buffer.from(JSON.stringify({ alg: 'HS256', crit: ['exp'] })).toString('base64url');
      expect(() => hs256.verify(`${header}.e30.c2ln`)).toThrow(InvalidTokenError);
    });
  });

  describe('one form per token', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const withLastBitSet = (signature: string) => signature.slice(0, -1) + alphabet[alphabet.indexOf(signature.at(-1)!) | 1];

    it.each([['HS256', 43], ['ES256', 86]] as const)('refuses a %s signature spelt with an ignored bit set, or one character too long', (algorithm, length) => {
      const codec = new JwsCodec(keysFor(algorithm));
      const token = codec.sign({ sub: 'u' });
      const [header, body, signature] = token.split('.') as [string, string, string];
      expect(signature).toHaveLength(length);
      expect(codec.verify(token).payload).toEqual({ sub: 'u' });
      expect(() => codec.verify(`${header}.${body}.${withLastBitSet(signature)}`)).toThrow(InvalidSignatureError);
      expect(() => codec.verify(`${header}.${body}.${signature}A`)).toThrow(InvalidSignatureError);
    });
  });

  describe('headers', () => {
    const codec = new JwsCodec(createHmacKeys('HS256', randomBytes(32)));

    it('decodes a header once and shares it, frozen, with every token that carries it', () => {
      const first = codec.verify(codec.sign({ sub: 'first' })).header;
      const second = codec.verify(codec.sign({ sub: 'second' })).header;
      expect(second).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
    });

    it('still reads every header right past the number it keeps', () => {
      const secret = randomBytes(32);
      const strict = new JwsCodec(createHmacKeys('HS256', secret));
      for (let n = 0; n < 200; n++) {
        const signingInput = `${Buffer.from(JSON.stringify({ alg: 'HS256', x: n })).toString('base64url')}.e30`;
        const token = `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
        expect(strict.verify(token).header).toEqual({ alg: 'HS256', x: n });
      }
      const critical = Buffer.from(JSON.stringify({ alg: 'HS256', crit: ['exp'] })).toString('base64url');
      expect(() => strict.verify(`${critical}.e30.c2ln`)).toThrow(InvalidTokenError);
    });
  });

  describe('HS256 on either side of the JavaScript HMAC\'s longest input', () => {
    const secret = randomBytes(32);
    const keys = createHmacKeys('HS256', secret);
    const codec = new JwsCodec(keys);

    it('verifies and refuses alike just under, at and over it, and shows nothing of the key when serialized', () => {
      const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'key-1' })).toString('base64url');
      for (let padding = 240; padding <= 280; padding++) {
        const body = Buffer.from(JSON.stringify({ ...payload, pad: 'x'.repeat(padding) })).toString('base64url');
        const signingInput = `${header}.${body}`;
        const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
        expect(codec.verify(`${signingInput}.${signature}`).payload.pad).toHaveLength(padding);
        const forged = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
        expect(() => codec.verify(`${signingInput}.${forged}`)).toThrow(InvalidSignatureError);
      }
      expect(JSON.stringify(keys)).not.toContain('hmac');
    });
  });

  describe('garbage', () => {
    const codec = new JwsCodec(createHmacKeys('HS256', randomBytes(32)));
    it.each([
      ['no dots', 'abcdefghijklmnopqrstuvwxyz'],
      ['two parts', 'abcdefghij.klmnopqrstuvwxyz'],
      ['four parts', 'a.b.c.d'],
      ['non-base64url header', 'ab$cd.e30.c2ln'],
      ['header that is not JSON', `${Buffer.from('{oops').toString('base64url')}.e30.c2ln`],
      ['header that is a JSON array', `${Buffer.from('[1]').toString('base64url')}.e30.c2ln`],
      ['empty segments', '..'],
      ['header that is not UTF-8', `${Buffer.concat([Buffer.from('{"alg":"HS256","x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]).toString('base64url')}.e30.c2ln`],
      ['header behind a byte-order mark', `${Buffer.from('\ufeff{"alg":"HS256"}').toString('base64url')}.e30.c2ln`],
    ])('rejects %s as a malformed token', (_, token) => {
      expect(() => codec.verify(token)).toThrow(InvalidTokenError);
    });

    it('rejects a payload that is not a JSON object even under a valid signature', () => {
      const secret = randomBytes(32);
      const strict = new JwsCodec(createHmacKeys('HS256', secret));
      const signingInput = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('"just a string"').toString('base64url')}`;
      const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
      expect(() => strict.verify(`${signingInput}.${signature}`)).toThrow(InvalidTokenError);
    });

    it('rejects a signed payload that is not UTF-8 rather than reading its bytes as U+FFFD', () => {
      const secret = randomBytes(32);
      const strict = new JwsCodec(createHmacKeys('HS256', secret));
      const body = Buffer.concat([Buffer.from('{"sub":"u'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
      const signingInput = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${body.toString('base64url')}`;
      const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
      expect(() => strict.verify(`${signingInput}.${signature}`)).toThrow(InvalidTokenError);
      const valid = Buffer.from('{"sub":"u\u00e9"}').toString('base64url');
      const signedValid = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${valid}`;
      expect(strict.verify(`${signedValid}.${createHmac('sha256', secret).update(signedValid).digest('base64url')}`).payload).toEqual({ sub: 'u\u00e9' });
    });
  });
});

describe('signing keys', () => {
  it('refuses an HMAC secret shorter than the hash', () => {
    expect(() => createHmacKeys('HS256', 'short-secret')).toThrow(TokenTrackingConfigurationError);
    expect(() => createHmacKeys('HS512', randomBytes(32))).toThrow(/at least 64 bytes/);
  });

  it('refuses RSA keys under 2048 bits', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => createAsymmetricKeys('RS256', privateKey)).toThrow(/at least 2048 bits/);
  });

  it('refuses an EC key on the wrong curve', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expect(() => createAsymmetricKeys('ES256', privateKey)).toThrow(/prime256v1/);
  });

  it('refuses a key of the wrong family, and unparseable PEM', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(() => createAsymmetricKeys('RS256', privateKey)).toThrow(/RSA/);
    expect(() => createAsymmetricKeys('ES256', 'not a pem')).toThrow(/could not be parsed/);
  });

  it('refuses a public key that does not fit the algorithm', () => {
    const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expect(() => createAsymmetricKeys('ES256', signing.privateKey, other.publicKey)).toThrow(TokenTrackingConfigurationError);
  });
});
