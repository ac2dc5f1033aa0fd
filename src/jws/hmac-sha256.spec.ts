import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { HmacSha256 } from './hmac-sha256.js';

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';

function randomAscii(length: number): string {
  const bytes = randomBytes(length);
  let text = '';
  for (const byte of bytes) text += BASE64URL_ALPHABET[byte % BASE64URL_ALPHABET.length];
  return text;
}

const nodeMac = (secret: Buffer, text: string) => createHmac('sha256', secret).update(text).digest('base64url');

describe('HmacSha256', () => {
  // Every length it takes, from empty to nine blocks: each padding case (the length field in the last block, or in a block of its own).
  it.each([32, 64, 65, 100])('agrees with node:crypto on every input length it takes (a %i-byte secret)', (secretBytes) => {
    const secret = randomBytes(secretBytes);
    const mac = HmacSha256.forSecret(secret);
    for (let length = 0; length <= HmacSha256.MAX_INPUT_LENGTH; length++) {
      const text = randomAscii(length);
      const signature = nodeMac(secret, text);
      if (!mac.verifies(text, signature)) throw new Error(`length ${length}: node:crypto's signature refused`);
    }
  });

  it('refuses to hash a longer input (node:crypto is faster there), rather than answering wrong', () => {
    const secret = randomBytes(32);
    const mac = HmacSha256.forSecret(secret);
    const text = randomAscii(HmacSha256.MAX_INPUT_LENGTH + 1);
    expect(() => mac.verifies(text, nodeMac(secret, text))).toThrow(RangeError);
    const short = randomAscii(10);
    expect(mac.verifies(short, nodeMac(secret, short))).toBe(true);
  });

  it('shows nothing of its key states to JSON.stringify or util.inspect (either would sign like the secret)', () => {
    const mac = HmacSha256.forSecret(randomBytes(32));
    expect(JSON.stringify(mac)).toBe('{}');
    expect(inspect(mac, { showHidden: true, depth: 5 })).not.toMatch(/\d{4}/);
  });

  it('refuses every single-bit change of the signature and of the input', () => {
    const secret = randomBytes(32);
    const mac = HmacSha256.forSecret(secret);
    const text = randomAscii(230);
    const signature = createHmac('sha256', secret).update(text).digest();
    for (let bit = 0; bit < 256; bit++) {
      const altered = Buffer.from(signature);
      altered[bit >> 3]! ^= 1 << (bit & 7);
      expect(mac.verifies(text, altered.toString('base64url'))).toBe(false);
    }
    for (let at = 0; at < text.length; at++) {
      const changed = text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 1) + text.slice(at + 1);
      expect(mac.verifies(changed, signature.toString('base64url'))).toBe(false);
    }
    expect(mac.verifies(text, signature.toString('base64url'))).toBe(true);
  });

  it('refuses the signature of another secret, and of the same input one character longer or shorter', () => {
    const secret = randomBytes(32);
    const mac = HmacSha256.forSecret(secret);
    const text = randomAscii(200);
    expect(mac.verifies(text, nodeMac(randomBytes(32), text))).toBe(false);
    expect(mac.verifies(text, nodeMac(secret, `${text}A`))).toBe(false);
    expect(mac.verifies(text, nodeMac(secret, text.slice(1)))).toBe(false);
  });

  it('refuses a signature spelt otherwise: padded, too short or long, with the unused bits set, with characters outside base64url', () => {
    const secret = randomBytes(32);
    const mac = HmacSha256.forSecret(secret);
    const text = randomAscii(150);
    const signature = nodeMac(secret, text);
    const last = signature.at(-1)!;
    const lastValue = BASE64URL_ALPHABET.indexOf(last);
    expect(mac.verifies(text, `${signature}=`)).toBe(false);
    expect(mac.verifies(text, signature.slice(0, -1))).toBe(false);
    expect(mac.verifies(text, `${signature}A`)).toBe(false);
    // The last character holds 4 bits of the MAC and 2 unused ones; every spelling with an unused bit set decodes to the same bytes.
    for (const unused of [1, 2, 3]) {
      expect(mac.verifies(text, signature.slice(0, -1) + BASE64URL_ALPHABET[lastValue | unused])).toBe(false);
    }
    // Standard base64's spelling of the same bytes, and characters that are not base64url at all.
    expect(mac.verifies(text, signature.replaceAll('-', '+').replaceAll('_', '/'))).toBe(signature === signature.replaceAll('-', '+').replaceAll('_', '/'));
    for (const stray of ['+', '/', '=', '.', ' ', '\u00e9', '\u0100', '\ud83d']) {
      expect(mac.verifies(text, stray + signature.slice(1))).toBe(false);
      expect(mac.verifies(text, signature.slice(0, 20) + stray + signature.slice(21))).toBe(false);
    }
  });

  it('refuses input outside ASCII, whose UTF-8 bytes it does not hash', () => {
    const secret = randomBytes(32);
    const mac = HmacSha256.forSecret(secret);
    for (const text of ['caf\u00e9.e30', '\u0100abc', 'abc\ud83d\ude00']) {
      expect(mac.verifies(text, nodeMac(secret, text))).toBe(false);
    }
    // Characters a Latin-1 reading would fold onto ASCII ones: 0x141 & 0xff is 'A'.
    expect(mac.verifies('\u0141BC', nodeMac(secret, 'ABC'))).toBe(false);
  });
});
