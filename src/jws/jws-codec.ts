import { createHmac, sign, timingSafeEqual, verify } from 'node:crypto';
import { AlgorithmNotAllowedError } from '../errors/algorithm-not-allowed.error.js';
import { InvalidSignatureError } from '../errors/invalid-signature.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { ALGORITHM_SPECS, AlgorithmSpec } from './signing-algorithm.js';
import { SigningKeys } from './signing-keys.js';

export interface JwsHeader {
  alg: string;
  typ?: string;
  kid?: string;
  [name: string]: unknown;
}

export interface DecodedJws {
  readonly header: JwsHeader;
  readonly payload: Record<string, unknown>;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Compact JWS (RFC 7515) signing and verification with one pinned algorithm,
 * on node:crypto alone. The algorithm is never taken from the token: a token
 * whose `alg` differs (including `none`) is refused before any cryptography,
 * which closes the classic algorithm-confusion attacks.
 */
export class JwsCodec {
  private readonly spec: AlgorithmSpec;

  constructor(private readonly keys: SigningKeys, private readonly keyId?: string) {
    this.spec = ALGORITHM_SPECS[keys.algorithm];
  }

  get algorithm(): string {
    return this.keys.algorithm;
  }

  sign(payload: Record<string, unknown>): string {
    const header: JwsHeader = { alg: this.keys.algorithm, typ: 'JWT' };
    if (this.keyId !== undefined) header.kid = this.keyId;
    const signingInput = `${encodeJson(header)}.${encodeJson(payload)}`;
    return `${signingInput}.${this.signatureOf(signingInput).toString('base64url')}`;
  }

  /**
   * Checks shape, algorithm and signature, in that order, and only then
   * parses the payload. Claims (exp, iss, ...) are the caller's to check.
   */
  verify(token: string): DecodedJws {
    const parts = token.split('.');
    if (parts.length !== 3) throw new InvalidTokenError();
    const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
    if (!BASE64URL.test(encodedHeader) || !BASE64URL.test(encodedPayload)) {
      throw new InvalidTokenError();
    }
    const header = decodeJsonObject(encodedHeader) as JwsHeader;
    if (header.alg !== this.keys.algorithm) throw new AlgorithmNotAllowedError();
    // RFC 7515 §4.1.11: extensions we do not implement must be refused.
    if (header.crit !== undefined) throw new InvalidTokenError();
    if (!BASE64URL.test(encodedSignature)) throw new InvalidSignatureError();
    const signature = Buffer.from(encodedSignature, 'base64url');
    if (!this.isValidSignature(`${encodedHeader}.${encodedPayload}`, signature)) {
      throw new InvalidSignatureError();
    }
    return { header, payload: decodeJsonObject(encodedPayload) };
  }

  private signatureOf(signingInput: string): Buffer {
    const data = Buffer.from(signingInput, 'ascii');
    switch (this.spec.family) {
      case 'hmac':
        return createHmac(this.spec.hash!, this.keys.signingKey).update(data).digest();
      case 'ecdsa':
        // JWS carries ECDSA signatures as raw r||s, not DER (RFC 7518 §3.4).
        return sign(this.spec.hash, data, { key: this.keys.signingKey, dsaEncoding: 'ieee-p1363' });
      default:
        return sign(this.spec.hash, data, this.keys.signingKey);
    }
  }

  private isValidSignature(signingInput: string, signature: Buffer): boolean {
    const data = Buffer.from(signingInput, 'ascii');
    try {
      switch (this.spec.family) {
        case 'hmac': {
          const expected = createHmac(this.spec.hash!, this.keys.verificationKey).update(data).digest();
          return expected.length === signature.length && timingSafeEqual(expected, signature);
        }
        case 'ecdsa':
          return verify(this.spec.hash, data, { key: this.keys.verificationKey, dsaEncoding: 'ieee-p1363' }, signature);
        default:
          return verify(this.spec.hash, data, this.keys.verificationKey, signature);
      }
    } catch {
      // node:crypto throws on signatures of impossible length; that is a bad signature too.
      return false;
    }
  }
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeJsonObject(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidTokenError();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidTokenError();
  }
  return value as Record<string, unknown>;
}
