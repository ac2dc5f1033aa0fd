import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { nastyJson, nastyString } from './property-support.js';

/**
 * Mutations of a compact JWS: each arbitrary takes the original token and
 * yields a changed string with a label saying what was done (the
 * properties put the label in their failure messages).
 */
export type Mutation = (token: string) => Mutated;

export interface Mutated {
  readonly label: string;
  readonly token: string;
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Characters worth putting into a token: its own alphabet, the separator and what base64 decoders tolerate or choke on. */
const tokenChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...BASE64URL_ALPHABET) },
  { weight: 2, arbitrary: fc.constantFrom('.', '=', '+', '/', ' ', '\t', '\n', '\u0000', '\ud800', 'é', '😀', '%', '~') },
);

const HEADER_NAMES = ['alg', 'kid', 'typ', 'crit', 'jku', 'x5u', 'jwk', 'x5c', 'x5t', 'cty', 'b64', 'zip', 'enc', '__proto__'] as const;
const ALGORITHMS = ['none', 'None', 'NONE', 'HS256', 'HS384', 'HS512', 'RS256', 'PS256', 'ES256', 'ES512', 'EdDSA', 'hs256', 'HS256 ', '', 'A256GCM'];

/** The segment's JSON object, or {} when it is not one (a previous mutation broke it). */
function decodedObject(segment: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value) ?? 'null', 'utf8').toString('base64url');
}

function splitToken(token: string): [string, string, string] {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return [header, payload, signature];
}

const flip = fc.tuple(fc.nat(), tokenChar).map(([at, char]) => (token: string): Mutated => {
  const index = at % token.length;
  return { label: `flip ${index} to ${JSON.stringify(char)}`, token: token.slice(0, index) + char + token.slice(index + 1) };
});

const insert = fc.tuple(fc.nat(), fc.string({ unit: tokenChar, minLength: 1, maxLength: 4 })).map(([at, text]) => (token: string): Mutated => {
  const index = at % (token.length + 1);
  return { label: `insert ${JSON.stringify(text)} at ${index}`, token: token.slice(0, index) + text + token.slice(index) };
});

const remove = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 8 })).map(([at, length]) => (token: string): Mutated => {
  const index = at % token.length;
  return { label: `delete ${length} at ${index}`, token: token.slice(0, index) + token.slice(index + length) };
});

const truncate = fc.nat().map((at) => (token: string): Mutated => {
  const length = at % token.length;
  return { label: `truncate to ${length}`, token: token.slice(0, length) };
});

const PERMUTATIONS = [[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0], [0, 0, 2], [1, 1, 2], [0, 1], [0, 1, 2, 2], [0, 1, 2, 0], [1, 2]] as const;
const swapSegments = fc.constantFrom(...PERMUTATIONS).map((order) => (token: string): Mutated => {
  const parts = splitToken(token);
  return { label: `segments in order ${order.join(',')}`, token: order.map((index) => parts[index]).join('.') };
});

const headerValue = fc.oneof(fc.constantFrom<unknown>(...ALGORITHMS), nastyJson, fc.constantFrom<unknown>(
  ['exp'], ['b64'], [], 'default', 'other', 'https://attacker.example/jwks.json', { kty: 'oct', k: 'AAAA' }, false,
));

const editHeader = fc.tuple(fc.constantFrom(...HEADER_NAMES), fc.option(headerValue, { nil: undefined }), fc.boolean())
  .map(([name, value, dropOthers]) => (token: string): Mutated => {
    const [header, payload, signature] = splitToken(token);
    const decoded = decodedObject(header);
    const edited: Record<string, unknown> = dropOthers ? { alg: decoded.alg } : { ...decoded };
    if (value === undefined) delete edited[name];
    else Object.defineProperty(edited, name, { value, enumerable: true, writable: true, configurable: true });
    return { label: `header ${name} = ${JSON.stringify(value)}${dropOthers ? ' (other fields dropped)' : ''}`, token: `${encodeJson(edited)}.${payload}.${signature}` };
  });

const headerNotAnObject = fc.oneof(nastyJson, fc.constantFrom<unknown>([], 'HS256', 1, null, [{ alg: 'HS256' }]))
  .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
  .map((value) => (token: string): Mutated => {
    const [, payload, signature] = splitToken(token);
    return { label: `header is ${JSON.stringify(value)}`, token: `${encodeJson(value)}.${payload}.${signature}` };
  });

const CLAIMS = ['sub', 'jti', 'sid', 'iat', 'exp', 'nbf', 'auth_time', 'token_use', 'data', 'aud', 'iss', 'role'] as const;

const editPayload = fc.tuple(fc.constantFrom(...CLAIMS), fc.option(nastyJson, { nil: undefined }))
  .map(([name, value]) => (token: string): Mutated => {
    const [header, payload, signature] = splitToken(token);
    const decoded = decodedObject(payload);
    const edited = { ...decoded };
    if (value === undefined) delete edited[name];
    else edited[name] = value;
    return { label: `claim ${name} = ${JSON.stringify(value)}`, token: `${header}.${encodeJson(edited)}.${signature}` };
  });

/** The same JSON re-serialised differently (spaces, key order, escapes): different bytes, same meaning. */
const reserialise = fc.tuple(fc.constantFrom(0, 1), fc.constantFrom('spaces', 'reorder', 'escape', 'padding', 'base64'))
  .map(([segment, how]) => (token: string): Mutated => {
    const parts = splitToken(token);
    const original = parts[segment]!;
    let replaced = original;
    try {
      const decoded = decodedObject(original);
      if (how === 'spaces') replaced = Buffer.from(JSON.stringify(decoded, null, 1)).toString('base64url');
      if (how === 'reorder') replaced = encodeJson(Object.fromEntries(Object.entries(decoded).reverse()));
      if (how === 'escape') replaced = Buffer.from(JSON.stringify(decoded).replace(/[a-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)).toString('base64url');
      if (how === 'padding') replaced = `${original}${'='.repeat((4 - (original.length % 4)) % 4) || '=='}`;
      if (how === 'base64') replaced = Buffer.from(original, 'base64url').toString('base64');
    } catch {
      replaced = `${original}A`;
    }
    parts[segment] = replaced;
    return { label: `${segment === 0 ? 'header' : 'payload'} re-serialised (${how})`, token: parts.join('.') };
  });

const otherSignature = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 140 }).map((bytes) => ({ label: `random ${bytes.length}-byte signature`, make: () => Buffer.from(bytes).toString('base64url') })),
  fc.constantFrom('', 'A', 'AA', 'AAA', '====', '-_-_').map((text) => ({ label: `signature ${JSON.stringify(text)}`, make: () => text })),
  fc.string({ unit: 'binary', maxLength: 20 }).map((key) => ({
    label: `HMAC-SHA256 with key ${JSON.stringify(key)}`,
    make: (signingInput: string) => createHmac('sha256', key).update(signingInput).digest('base64url'),
  })),
  fc.constant({ label: 'HMAC with the public-looking key "default"', make: (signingInput: string) => createHmac('sha256', 'default').update(signingInput).digest('base64url') }),
);

const replaceSignature = otherSignature.map(({ label, make }) => (token: string): Mutated => {
  const [header, payload] = splitToken(token);
  return { label, token: `${header}.${payload}.${make(`${header}.${payload}`)}` };
});

/** alg "none" with an empty or kept signature, the classic. */
const algNone = fc.tuple(fc.constantFrom('none', 'None', 'NONE', 'nOnE'), fc.boolean()).map(([alg, keepSignature]) => (token: string): Mutated => {
  const [header, payload, signature] = splitToken(token);
  const decoded = decodedObject(header);
  return { label: `alg ${alg}, signature ${keepSignature ? 'kept' : 'empty'}`, token: `${encodeJson({ ...decoded, alg })}.${payload}.${keepSignature ? signature : ''}` };
});

const wrap = fc.constantFrom('Bearer ', ' ', '"', '\n').chain((text) => fc.constantFrom(
  (token: string): Mutated => ({ label: `prefix ${JSON.stringify(text)}`, token: text + token }),
  (token: string): Mutated => ({ label: `suffix ${JSON.stringify(text)}`, token: token + text }),
));

const replaceWithText = nastyString.map((text) => (_token: string): Mutated => ({ label: `replaced by ${JSON.stringify(text.slice(0, 60))}`, token: text }));

const singleMutation: fc.Arbitrary<Mutation> = fc.oneof(
  flip, flip, insert, remove, truncate, swapSegments, editHeader, editHeader, headerNotAnObject, editPayload, editPayload,
  reserialise, replaceSignature, algNone, wrap, replaceWithText,
);

/** One to three mutations applied in turn. */
export const mutation: fc.Arbitrary<Mutation> = fc.array(singleMutation, { minLength: 1, maxLength: 3 }).map((steps) => {
  const apply = (token: string): Mutated => {
    let current: Mutated = { label: '', token };
    const labels: string[] = [];
    for (const step of steps) {
      current = step(current.token.length === 0 ? token : current.token);
      labels.push(current.label);
    }
    return { label: labels.join(' then '), token: current.token };
  };
  // fast-check prints a counterexample with this; the failure's message says what the mutation did to the token.
  return Object.assign(apply, { [fc.toStringMethod]: () => `mutation of ${steps.length} step(s): see the message above` });
});

/** The other spellings of the signature's last character that decode to the same bytes (non-canonical base64url). */
export function nonCanonicalSignatures(token: string): string[] {
  const [header, payload, signature] = splitToken(token);
  const bytes = Buffer.from(signature, 'base64url');
  return [...BASE64URL_ALPHABET]
    .map((char) => signature.slice(0, -1) + char)
    .filter((candidate) => candidate !== signature && Buffer.from(candidate, 'base64url').equals(bytes))
    .map((candidate) => `${header}.${payload}.${candidate}`);
}
