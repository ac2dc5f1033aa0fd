import { createHmac, KeyObject, sign } from 'node:crypto';
import { ALGORITHM_SPECS, SigningAlgorithm } from '../../src/jws/signing-algorithm.js';
import { KeyInput, parseAsymmetricKey, parseHmacKey } from '../../src/jws/signing-keys.js';

/**
 * Signs arbitrary claims and headers with a given key, to craft the tokens a
 * test needs (expired, wrong issuer, strange claims, no `kid`). Independent
 * of the library's own signer, beyond parsing the key.
 */
export class TestSigner {
  private readonly key: KeyObject;

  constructor(
    private readonly algorithm: SigningAlgorithm,
    key: KeyInput,
    /** Written to the header when given; tokens from before key ids carry none. */
    private readonly kid?: string,
  ) {
    const parsed = algorithm.startsWith('HS') ? parseHmacKey('test', algorithm, key) : parseAsymmetricKey('test', algorithm, key, undefined);
    this.key = parsed.signing!.key;
  }

  sign(payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
    const fullHeader = { alg: this.algorithm, typ: 'JWT', ...(this.kid === undefined ? {} : { kid: this.kid }), ...header };
    const input = `${encode(fullHeader)}.${encode(payload)}`;
    return `${input}.${this.signatureOf(input)}`;
  }

  private signatureOf(input: string): string {
    const spec = ALGORITHM_SPECS[this.algorithm];
    const data = Buffer.from(input, 'ascii');
    if (spec.family === 'hmac') return createHmac(spec.hash!, this.key).update(data).digest('base64url');
    if (spec.family === 'ecdsa') return sign(spec.hash, data, { key: this.key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return sign(spec.hash, data, this.key).toString('base64url');
  }
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
