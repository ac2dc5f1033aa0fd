import { createHmac, sign, timingSafeEqual, verify } from 'node:crypto';
import { AlgorithmNotAllowedError } from '../errors/algorithm-not-allowed.error.js';
import { InvalidSignatureError } from '../errors/invalid-signature.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { ALGORITHM_SPECS } from './signing-algorithm.js';
import { JwsKey } from './signing-keys.js';

export interface JwsHeader {
  alg: string;
  typ?: string;
  kid?: string;
  [name: string]: unknown;
}

/** A compact JWS split and its header decoded; nothing verified yet. */
export interface ParsedJws {
  readonly header: JwsHeader;
  readonly signingInput: string;
  readonly encodedPayload: string;
  readonly encodedSignature: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Compact JWS (RFC 7515) on node:crypto alone, in three steps: `parseJws`
 * checks the shape and decodes the header, the caller picks the key the
 * header's `kid` names, and `verifyJws` checks that the token's `alg` is
 * that key's algorithm (refusing every other, `none` included, before any
 * cryptography: no algorithm confusion) and then the signature, and only
 * then decodes the payload.
 */
export function parseJws(token: string): ParsedJws {
  const parts = token.split('.');
  if (parts.length !== 3) throw new InvalidTokenError();
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  if (!BASE64URL.test(encodedHeader) || !BASE64URL.test(encodedPayload)) throw new InvalidTokenError();
  const header = decodeJsonObject(encodedHeader) as JwsHeader;
  // RFC 7515 §4.1.11: extensions we do not implement must be refused.
  if (header.crit !== undefined) throw new InvalidTokenError();
  return { header, signingInput: `${encodedHeader}.${encodedPayload}`, encodedPayload, encodedSignature };
}

export function verifyJws(jws: ParsedJws, key: JwsKey): Record<string, unknown> {
  if (jws.header.alg !== key.algorithm) throw new AlgorithmNotAllowedError();
  if (!BASE64URL.test(jws.encodedSignature)) throw new InvalidSignatureError();
  const signature = Buffer.from(jws.encodedSignature, 'base64url');
  // The last base64url character carries bits the decoder ignores: only the
  // canonical spelling is the signature, so that a token has one form.
  if (signature.toString('base64url') !== jws.encodedSignature) throw new InvalidSignatureError();
  if (!isValidSignature(key, Buffer.from(jws.signingInput, 'ascii'), signature)) throw new InvalidSignatureError();
  return decodeJsonObject(jws.encodedPayload);
}

export function signJws(payload: Record<string, unknown>, key: JwsKey): string {
  const header: JwsHeader = { alg: key.algorithm, typ: 'JWT', kid: key.kid };
  const signingInput = `${encodeJson(header)}.${encodeJson(payload)}`;
  return `${signingInput}.${signatureOf(key, Buffer.from(signingInput, 'ascii')).toString('base64url')}`;
}

function signatureOf(key: JwsKey, data: Buffer): Buffer {
  const spec = ALGORITHM_SPECS[key.algorithm];
  switch (spec.family) {
    case 'hmac':
      return createHmac(spec.hash!, key.key).update(data).digest();
    case 'ecdsa':
      // JWS carries ECDSA signatures as raw r||s, not DER (RFC 7518 §3.4).
      return sign(spec.hash, data, { key: key.key, dsaEncoding: 'ieee-p1363' });
    default:
      return sign(spec.hash, data, key.key);
  }
}

function isValidSignature(key: JwsKey, data: Buffer, signature: Buffer): boolean {
  const spec = ALGORITHM_SPECS[key.algorithm];
  try {
    switch (spec.family) {
      case 'hmac': {
        const expected = createHmac(spec.hash!, key.key).update(data).digest();
        return expected.length === signature.length && timingSafeEqual(expected, signature);
      }
      case 'ecdsa':
        return verify(spec.hash, data, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature);
      default:
        return verify(spec.hash, data, key.key, signature);
    }
  } catch {
    // node:crypto throws on signatures of impossible length; that is a bad signature too.
    return false;
  }
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * Refuses bytes that are not UTF-8 rather than turning them into U+FFFD:
 * two different signed ids would otherwise read as one. The BOM is kept,
 * so that JSON.parse refuses it as it refuses any other stray character.
 */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeJsonObject(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(STRICT_UTF8.decode(Buffer.from(segment, 'base64url')));
  } catch {
    throw new InvalidTokenError();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidTokenError();
  return value as Record<string, unknown>;
}
