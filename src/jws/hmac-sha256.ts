import { createHash } from 'node:crypto';

/**
 * HMAC-SHA-256 (RFC 2104, FIPS 180-4) in JavaScript, for checking the
 * signature of HS256 tokens on the request path. node:crypto's
 * `createHmac` allocates a stream object, a native context and a Buffer
 * for every token, and keys the context again each time (two blocks of
 * SHA-256 that depend on the secret alone); on a busy server, whose
 * caches the rest of the request has filled, that cost several times
 * the hashing itself. Here the key's inner and outer states are computed
 * once, a token costs only its own blocks, and nothing is allocated.
 *
 * Verifying only: tokens are signed with node:crypto, and every result
 * of this code is checked against node:crypto in its tests, at every
 * length up to several blocks. Nothing that depends on the secret or on
 * the expected MAC takes a branch or indexes a table: it is arithmetic,
 * and the comparison accumulates differences.
 */
export class HmacSha256 {
  /**
   * SHA-256's state after the block `key ^ ipad`, and after `key ^ opad`:
   * either signs like the secret itself, so they are private fields, which
   * neither `JSON.stringify` nor `util.inspect` shows (a logged key set
   * shows no more than a `KeyObject` would).
   */
  readonly #innerState: Int32Array;
  readonly #outerState: Int32Array;

  private constructor(innerState: Int32Array, outerState: Int32Array) {
    this.#innerState = innerState;
    this.#outerState = outerState;
  }

  static forSecret(secret: Uint8Array): HmacSha256 {
    // RFC 2104 §2: a key longer than the block is replaced by its hash.
    const key = secret.length > BLOCK_BYTES ? createHash('sha256').update(secret).digest() : secret;
    const innerPad = new Uint8Array(BLOCK_BYTES).fill(0x36);
    const outerPad = new Uint8Array(BLOCK_BYTES).fill(0x5c);
    for (let i = 0; i < key.length; i++) {
      innerPad[i]! ^= key[i]!;
      outerPad[i]! ^= key[i]!;
    }
    const innerState = Int32Array.from(INITIAL_STATE);
    const outerState = Int32Array.from(INITIAL_STATE);
    compress(innerState, innerPad, 0);
    compress(outerState, outerPad, 0);
    // What was derived from the secret is kept in the two states only.
    if (key !== secret) key.fill(0);
    innerPad.fill(0);
    outerPad.fill(0);
    SCHEDULE.fill(0);
    return new HmacSha256(innerState, outerState);
  }

  /**
   * Whether `encodedSignature` (unpadded base64url) is the MAC of
   * `signingInput`. Both are a token's text: a character outside ASCII
   * in the input, or outside base64url in the signature, is a mismatch.
   * Only for inputs of at most `MAX_INPUT_LENGTH` characters.
   */
  verifies(signingInput: string, encodedSignature: string): boolean {
    if (signingInput.length > HmacSha256.MAX_INPUT_LENGTH) throw new RangeError(`HmacSha256 hashes at most ${HmacSha256.MAX_INPUT_LENGTH} characters`);
    if (encodedSignature.length !== SIGNATURE_TEXT_LENGTH) return false;
    const mac = this.macOf(signingInput);
    const equal = mac !== null && equalsEncoded(mac, encodedSignature);
    // The scratch arrays hold the right MAC of the input (and the inner
    // hash): with the input, that is a valid token, even for a forged one.
    SCHEDULE.fill(0);
    STATE.fill(0);
    OUTER_BLOCK.fill(0);
    MAC.fill(0);
    return equal;
  }

  /**
   * Longer inputs are left to node:crypto: past about eight blocks its
   * fixed cost per call weighs less than this code's slower blocks (a
   * token of 1,000 characters took 10 µs here against 3.5 µs), and a
   * forged token of `maxTokenSize` characters must not cost more to
   * refuse than before. Common tokens (200-400 characters) are well under.
   */
  static readonly MAX_INPUT_LENGTH = 512;

  /** The MAC's 32 bytes in a shared scratch array (valid until the next call), or null for text that is not ASCII. */
  private macOf(text: string): Uint8Array | null {
    const length = text.length;
    // The inner hash covers the key block too: its length counts 64 more bytes.
    const blocksEnd = (length + 9 + BLOCK_BYTES - 1) & ~(BLOCK_BYTES - 1);
    let nonAscii = 0;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      nonAscii |= code;
      MESSAGE[i] = code;
    }
    if (nonAscii > 0x7f) return null;
    MESSAGE[length] = 0x80;
    MESSAGE.fill(0, length + 1, blocksEnd - 4);
    writeBitLength(MESSAGE, blocksEnd, BLOCK_BYTES + length);

    STATE.set(this.#innerState);
    for (let offset = 0; offset < blocksEnd; offset += BLOCK_BYTES) compress(STATE, MESSAGE, offset);
    writeState(STATE, OUTER_BLOCK);
    OUTER_BLOCK[DIGEST_BYTES] = 0x80;
    OUTER_BLOCK.fill(0, DIGEST_BYTES + 1, BLOCK_BYTES - 4);
    writeBitLength(OUTER_BLOCK, BLOCK_BYTES, BLOCK_BYTES + DIGEST_BYTES);
    STATE.set(this.#outerState);
    compress(STATE, OUTER_BLOCK, 0);
    writeState(STATE, MAC);
    return MAC;
  }
}

const BLOCK_BYTES = 64;
const DIGEST_BYTES = 32;
/** 32 bytes in unpadded base64url. */
const SIGNATURE_TEXT_LENGTH = 43;

const INITIAL_STATE = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const ROUND_CONSTANTS = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** Scratch space, reused by every call: the code is synchronous, so no two calls share it at once. */
const SCHEDULE = new Int32Array(64);
const STATE = new Int32Array(8);
const OUTER_BLOCK = new Uint8Array(BLOCK_BYTES);
const MAC = new Uint8Array(DIGEST_BYTES);
/** The longest input, padded: the length field may need a block of its own. */
const MESSAGE = new Uint8Array(HmacSha256.MAX_INPUT_LENGTH + 2 * BLOCK_BYTES);

/** SHA-256's padding ends with the message's length in bits, big-endian (inputs are far below 2^32 bits). */
function writeBitLength(block: Uint8Array, end: number, bytes: number): void {
  const bits = bytes * 8;
  block[end - 4] = bits >>> 24;
  block[end - 3] = bits >>> 16;
  block[end - 2] = bits >>> 8;
  block[end - 1] = bits;
}

function writeState(state: Int32Array, into: Uint8Array): void {
  for (let i = 0; i < 8; i++) {
    const word = state[i]!;
    into[i * 4] = word >>> 24;
    into[i * 4 + 1] = word >>> 16;
    into[i * 4 + 2] = word >>> 8;
    into[i * 4 + 3] = word;
  }
}

/** SHA-256's compression function on the 64 bytes at `offset` (FIPS 180-4 §6.2.2). */
function compress(state: Int32Array, bytes: Uint8Array, offset: number): void {
  const w = SCHEDULE;
  for (let i = 0; i < 16; i++) {
    const at = offset + i * 4;
    w[i] = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15]!;
    const w2 = w[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!;
  let e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const sigma1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const choice = (e & f) ^ (~e & g);
    const t1 = (h + sigma1 + choice + ROUND_CONSTANTS[i]! + w[i]!) | 0;
    const sigma0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const majority = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (sigma0 + majority) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** Value of each base64url character by char code, -1 for any other. */
const BASE64URL_VALUE = new Int8Array(128).fill(-1);
for (const [value, character] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) {
  BASE64URL_VALUE[character.charCodeAt(0)] = value;
}

/**
 * Whether the 43 base64url characters spell `mac` (32 bytes). Differences
 * are accumulated, not returned at the first one, so the time taken does
 * not say how much of a forged signature was right. The last character's
 * two unused bits must be zero: a signature has one spelling.
 */
function equalsEncoded(mac: Uint8Array, encoded: string): boolean {
  let difference = 0;
  let invalid = 0;
  let bits = 0;
  let bitCount = 0;
  let byte = 0;
  for (let i = 0; i < SIGNATURE_TEXT_LENGTH; i++) {
    const code = encoded.charCodeAt(i);
    const value = code < 128 ? BASE64URL_VALUE[code]! : -1;
    invalid |= value;
    bits = ((bits << 6) | (value & 0x3f)) & 0xfff;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      difference |= ((bits >>> bitCount) & 0xff) ^ mac[byte++]!;
    }
  }
  // 43 characters carry 258 bits: the 2 left over must be zero.
  difference |= bits & ((1 << bitCount) - 1);
  return invalid >= 0 && difference === 0;
}
