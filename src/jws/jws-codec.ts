import { createHmac, sign, timingSafeEqual, verify } from 'node:crypto';
import { AlgorithmNotAllowedError } from '../errors/algorithm-not-allowed.error.js';
import { InvalidSignatureError } from '../errors/invalid-signature.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { HmacSha256 } from './hmac-sha256.js';
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
/** A signature may be empty (`alg: none`, refused later by its algorithm, not as malformed). */
const BASE64URL_OR_EMPTY = /^[A-Za-z0-9_-]*$/;

/**
 * Compact JWS (RFC 7515) on node:crypto alone, in three steps: `parseJws`
 * checks the shape and decodes the header, the caller picks the key the
 * header's `kid` names, and `verifyJws` checks that the token's `alg` is
 * that key's algorithm (refusing every other, `none` included, before any
 * cryptography: no algorithm confusion) and then the signature, and only
 * then decodes the payload.
 */
export function parseJws(token: string): ParsedJws {
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  if (firstDot < 0 || lastDot === firstDot || token.indexOf('.', firstDot + 1) !== lastDot) throw new InvalidTokenError();
  const encodedPayload = token.slice(firstDot + 1, lastDot);
  if (!BASE64URL.test(encodedPayload)) throw new InvalidTokenError();
  // Checked here, not left to decoding, which skips what is not base64url:
  // `<token> junk` or `<token>!` is malformed, not a bad signature.
  const encodedSignature = token.slice(lastDot + 1);
  if (!BASE64URL_OR_EMPTY.test(encodedSignature)) throw new InvalidTokenError();
  return {
    header: decodeHeader(token.slice(0, firstDot)),
    signingInput: token.slice(0, lastDot),
    encodedPayload,
    encodedSignature,
  };
}

/** Headers seen, decoded: an issuer's tokens share a few, so most tokens skip decoding theirs. */
const knownHeaders = new Map<string, JwsHeader>();
/** Beyond this many, headers are decoded every time: a stream of forged headers cannot grow the map. */
const MAX_KNOWN_HEADERS = 64;

function decodeHeader(encodedHeader: string): JwsHeader {
  const known = knownHeaders.get(encodedHeader);
  if (known) return known;
  if (!BASE64URL.test(encodedHeader)) throw new InvalidTokenError();
  const header = decodeJsonObject(encodedHeader) as JwsHeader;
  // RFC 7515 §4.1.11: extensions we do not implement must be refused.
  if (header.crit !== undefined) throw new InvalidTokenError();
  // Shared by every token that carries it, so nobody may change it.
  deepFreeze(header);
  if (knownHeaders.size < MAX_KNOWN_HEADERS) knownHeaders.set(encodedHeader, header);
  return header;
}

function deepFreeze(value: object): void {
  for (const member of Object.values(value)) if (typeof member === 'object' && member !== null) deepFreeze(member);
  Object.freeze(value);
}

export function verifyJws(jws: ParsedJws, key: JwsKey): Record<string, unknown> {
  if (jws.header.alg !== key.algorithm) throw new AlgorithmNotAllowedError();
  if (!hasValidSignature(jws, key)) throw new InvalidSignatureError();
  return decodeJsonObject(jws.encodedPayload);
}

function hasValidSignature(jws: ParsedJws, key: JwsKey): boolean {
  // HS256, the common case, on the request path: checked without node:crypto (see HmacSha256).
  if (key.hmacSha256 && jws.signingInput.length <= HmacSha256.MAX_INPUT_LENGTH) return key.hmacSha256.verifies(jws.signingInput, jws.encodedSignature);
  if (!BASE64URL.test(jws.encodedSignature) || !isCanonicalBase64url(jws.encodedSignature)) return false;
  return isValidSignature(key, jws.signingInput, Buffer.from(jws.encodedSignature, 'base64url'));
}

/** Value of each base64url character, by char code. */
const BASE64URL_VALUES = new Int8Array(128).fill(-1);
for (const [value, character] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) {
  BASE64URL_VALUES[character.charCodeAt(0)] = value;
}

/**
 * The last base64url character carries bits the decoder ignores: only the
 * canonical spelling (those bits zero, no impossible length) is the
 * signature, so that a token has one form. Checked on the text, without
 * encoding the decoded bytes again.
 */
function isCanonicalBase64url(text: string): boolean {
  const unusedBits = [0, -1, 4, 2][text.length % 4]!;
  if (unusedBits < 0) return false;
  if (unusedBits === 0) return true;
  return (BASE64URL_VALUES[text.charCodeAt(text.length - 1)]! & ((1 << unusedBits) - 1)) === 0;
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

/** `signingInput` is base64url text, so its UTF-8 bytes are its ASCII bytes. */
function isValidSignature(key: JwsKey, signingInput: string, signature: Buffer): boolean {
  const spec = ALGORITHM_SPECS[key.algorithm];
  try {
    switch (spec.family) {
      case 'hmac': {
        const expected = createHmac(spec.hash!, key.key).update(signingInput).digest();
        return expected.length === signature.length && timingSafeEqual(expected, signature);
      }
      case 'ecdsa':
        return verify(spec.hash, Buffer.from(signingInput, 'ascii'), { key: key.key, dsaEncoding: 'ieee-p1363' }, signature);
      default:
        return verify(spec.hash, Buffer.from(signingInput, 'ascii'), key.key, signature);
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

/**
 * Decoded segments are written here rather than into a Buffer of their own:
 * one allocation less on every request. A longer segment gets a Buffer of
 * its own, so that one large token does not hold memory for the life of
 * the process. The code is synchronous: no two calls share it at once.
 */
const DECODED_SCRATCH = Buffer.allocUnsafe(4_096);

function decodeJsonObject(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    if (Math.ceil((segment.length * 3) / 4) <= DECODED_SCRATCH.length) {
      value = JSON.parse(utf8TextOf(DECODED_SCRATCH, DECODED_SCRATCH.write(segment, 0, 'base64url')));
    } else {
      const bytes = Buffer.from(segment, 'base64url');
      value = JSON.parse(utf8TextOf(bytes, bytes.length));
    }
  } catch {
    throw new InvalidTokenError();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidTokenError();
  return value as Record<string, unknown>;
}

/** The first `length` bytes as text, refused (thrown) unless they are UTF-8. */
function utf8TextOf(bytes: Buffer, length: number): string {
  const text = bytes.toString('utf8', 0, length);
  // The lenient decoder is the fast one; only a U+FFFD in its output (which
  // it writes for bytes that are not UTF-8) needs the strict decoder's word.
  return text.includes('\uFFFD') ? STRICT_UTF8.decode(bytes.subarray(0, length)) : text;
}
