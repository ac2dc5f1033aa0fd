import fc from 'fast-check';
import { nastyJson, nastyNumber, nastyString } from './property-support.js';

/** What a token must say to be accepted by the application under test. */
export interface ClaimContext {
  readonly issuer: string;
  readonly audience: string;
  /** Seconds. */
  readonly now: () => number;
  /** Ids that exist in the database (session ids, jtis, user ids), to collide with on purpose. */
  readonly knownIds: () => readonly string[];
}

export const CLAIM_NAMES = ['iss', 'aud', 'sub', 'jti', 'sid', 'iat', 'exp', 'nbf', 'auth_time', 'token_use', 'data'] as const;
export type ClaimName = (typeof CLAIM_NAMES)[number];

/** A claim value, or ABSENT to leave the claim out. */
export const ABSENT = Symbol('absent');
type ClaimValue = unknown;

const MAX_NUMERIC_DATE = 253_402_300_799;

/** A time relative to now (seconds), resolved when the token is signed. */
interface Relative {
  readonly relative: number;
}

const relative = (arb: fc.Arbitrary<number>): fc.Arbitrary<Relative> => arb.map((offset) => ({ relative: offset }));

const randomId = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('base64url'));

const id = fc.oneof(
  { weight: 5, arbitrary: randomId },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 32 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }) },
  { weight: 1, arbitrary: nastyString },
);

/**
 * Values that are valid or on the edge of valid for each claim: the token
 * may well verify with them.
 */
function plausible(name: ClaimName, context: ClaimContext): fc.Arbitrary<ClaimValue> {
  switch (name) {
    case 'iss':
      return fc.constant(context.issuer);
    case 'aud':
      return fc.constantFrom(context.audience, [context.audience], ['other', context.audience], [context.audience, context.audience]);
    case 'sub':
      return fc.oneof(fc.constantFrom('user-alice', 'user-bob', 'user-admin', 'user-claims'), id, fc.constant('u'.repeat(255)), fc.constant('😀'.repeat(127)));
    case 'jti':
      return fc.oneof({ weight: 3, arbitrary: id }, { weight: 1, arbitrary: knownId(context) });
    case 'sid':
      return fc.oneof(fc.constant(ABSENT), id, knownId(context));
    case 'iat':
      return fc.oneof(
        relative(fc.double({ min: -86_400 * 400, max: 0, noNaN: true })),
        relative(fc.constantFrom(0, -0.0001, -1e-9, -1)),
        fc.constantFrom(0, Number.MIN_VALUE, 1e-7, 1, 1_000_000_000.123456789),
      );
    case 'exp':
      return fc.oneof(
        relative(fc.integer({ min: 1, max: 86_400 * 400 })),
        relative(fc.double({ min: 0.001, max: 1e6, noNaN: true })),
        relative(fc.integer({ min: -120, max: 0 })),
        fc.constantFrom(MAX_NUMERIC_DATE, MAX_NUMERIC_DATE - 0.0001, 4_102_444_800, 2 ** 31, 2 ** 32),
      );
    case 'nbf':
      return fc.oneof(fc.constant(ABSENT), relative(fc.double({ min: -1e6, max: 0, noNaN: true })), fc.constantFrom(0, 1e-300), relative(fc.integer({ min: 1, max: 100 })));
    case 'auth_time':
      return fc.oneof(fc.constant(ABSENT), relative(fc.double({ min: -86_400 * 400, max: 10, noNaN: true })), fc.constantFrom(0, MAX_NUMERIC_DATE));
    case 'token_use':
      return fc.constantFrom(ABSENT, ABSENT, 'refresh');
    case 'data':
      return fc.oneof(
        fc.constant(ABSENT),
        fc.constantFrom({}, { role: 'admin' }, { role: 'user', username: 'alice' }, JSON.parse('{"__proto__":{"role":"admin"}}') as object, { role: ['admin'] }),
        fc.dictionary(nastyString, nastyJson, { maxKeys: 5 }),
        fc.integer({ min: 0, max: 7_000 }).map((size) => ({ blob: 'x'.repeat(size) })),
      );
  }
}

/** Anything at all for a claim: wrong types, NUL, lone surrogates, huge and negative numbers, strings where numbers belong. */
const hostile: fc.Arbitrary<ClaimValue> = fc.oneof(
  nastyJson,
  nastyNumber.filter(Number.isFinite),
  nastyString,
  fc.constantFrom(ABSENT, null, '1700000000', '1e15', 1e15, -1, -1e15, 1.5, [], {}, true),
);

export interface CraftedClaims {
  /** The claims to sign, with relative times still unresolved. */
  readonly template: Readonly<Record<string, ClaimValue | Relative>>;
  /** Which claims were given hostile values. */
  readonly hostile: readonly ClaimName[];
}

/** Claims each plausible, then up to three of them replaced by hostile values, and sometimes an extra claim. */
export function craftedClaims(context: ClaimContext): fc.Arbitrary<CraftedClaims> {
  const plausibleRecord = fc.record(
    Object.fromEntries(CLAIM_NAMES.map((name) => [name, plausible(name, context)])) as Record<ClaimName, fc.Arbitrary<ClaimValue>>,
  );
  return fc
    .tuple(
      plausibleRecord,
      fc.subarray([...CLAIM_NAMES], { maxLength: 3 }),
      fc.array(hostile, { minLength: 3, maxLength: 3 }),
      fc.option(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'role', 'cnf', 'scope'), nastyJson), { freq: 4 }),
    )
    .map(([base, chosen, values, extra]) => {
      const template: Record<string, unknown> = { ...base };
      chosen.forEach((name, index) => {
        template[name] = values[index];
      });
      if (extra) Object.defineProperty(template, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true });
      return { template, hostile: chosen };
    });
}

/** The claims to sign now: relative times resolved, absent ones dropped. */
export function resolveClaims(crafted: CraftedClaims, nowSeconds: number): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(crafted.template)) {
    if (value === ABSENT) continue;
    const resolved = isRelative(value) ? nowSeconds + value.relative : value;
    Object.defineProperty(claims, name, { value: resolved, enumerable: true, writable: true, configurable: true });
  }
  return claims;
}

function isRelative(value: unknown): value is Relative {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as Relative).relative === 'number';
}

/** One of the ids the database holds (chosen when the value is generated). */
function knownId(context: ClaimContext): fc.Arbitrary<string> {
  return fc.tuple(fc.nat(), randomId).map(([index, fallback]) => {
    const ids = context.knownIds();
    return ids.length === 0 ? fallback : ids[index % ids.length]!;
  });
}
