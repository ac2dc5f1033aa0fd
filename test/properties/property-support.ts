import http from 'node:http';
import fc from 'fast-check';
import { TokenTrackingError } from '../../src/index.js';
import { ERROR_CATALOG, ErrorCode } from '../../src/errors/error-catalog.js';

/**
 * How many runs each property makes: PROPERTY_RUNS, 100 by default. With
 * the default the whole folder stays well under a minute on two cores;
 * raise it for a longer hunt (`PROPERTY_RUNS=2000 npm test -- test/properties`).
 * To replay a failure, pass the seed and path fast-check printed:
 * `PROPERTY_SEED=123 PROPERTY_PATH=0:1 npm test -- ...`.
 */
export const RUNS = positiveInteger(process.env.PROPERTY_RUNS) ?? 100;

export function runParameters<T>(extra: fc.Parameters<T> = {}): fc.Parameters<T> {
  const seed = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);
  return {
    numRuns: RUNS,
    ...(seed === undefined || !Number.isFinite(seed) ? {} : { seed, path: process.env.PROPERTY_PATH }),
    ...extra,
  };
}

/** Jest's timeout for a property, scaled with the number of runs. */
export function timeoutFor(msPerRun: number, base = 30_000): number {
  return base + RUNS * msPerRun;
}

function positiveInteger(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) && parsed > 0 ? parsed : undefined;
}

/** Codes that say the database failed, never acceptable as the answer to a caller's input. */
export const SERVER_SIDE_CODES: readonly ErrorCode[] = ['STORE_UNAVAILABLE', 'STORE_ERROR', 'INVALID_CONFIGURATION', 'KEYS_UNAVAILABLE'];

/** The verdicts a token can get when it is refused (every one a 401). */
export const TOKEN_REFUSAL_CODES: readonly ErrorCode[] = (Object.keys(ERROR_CATALOG) as ErrorCode[]).filter(
  (code) => ERROR_CATALOG[code].status === 401 && code !== 'TOKEN_MISSING' && code !== 'USER_REJECTED',
);

/**
 * Describes what was thrown, for assertion messages: a library error by its
 * code, anything else by its constructor and message.
 */
export function describeThrown(error: unknown): string {
  if (error instanceof TokenTrackingError) return `${error.name} ${error.code} (${error.getStatus()}): ${error.message}`;
  if (error instanceof Error) return `non-library ${error.constructor.name}: ${error.message}`;
  return `non-error thrown: ${String(error)}`;
}

/**
 * Runs `action`; it must resolve, or reject with a `TokenTrackingError`
 * whose code is in `allowed`. Returns the outcome for further checks.
 */
export async function settle<T>(
  action: () => Promise<T>,
  allowed: readonly ErrorCode[],
  label: string,
): Promise<{ ok: true; value: T } | { ok: false; error: TokenTrackingError }> {
  let value: T;
  try {
    value = await action();
  } catch (error) {
    if (!(error instanceof TokenTrackingError)) {
      throw new Error(`${label}: threw ${describeThrown(error)}`, { cause: error });
    }
    if (!allowed.includes(error.code)) {
      throw new Error(`${label}: threw ${describeThrown(error)}; expected success or one of ${allowed.join(', ')}`, { cause: error });
    }
    return { ok: false, error };
  }
  return { ok: true, value };
}

// ---------------------------------------------------------------------------
// Arbitraries of hostile values

/** A lone (unpaired) surrogate. */
export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Any UTF-16 code unit, lone surrogates and NUL included. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

/** Strings a careless caller or an attacker might produce. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '', ' ', '\u0000', 'a\u0000b', '\ud800', 'a\udfffb', '\udc00\ud800', '😀', '\u{1F600}'.repeat(40), '%00', '..', '.', 'a.b',
    'a.b.c', '__proto__', 'constructor', 'null', 'undefined', "'; DROP TABLE token_sessions; --", '\\', '"', '\r\n', '\uFEFF',
    '\uFFFF', '\u202E', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(255), 'x'.repeat(256), '😀'.repeat(32), '😀'.repeat(128),
    'é'.repeat(255), 'x'.repeat(100_000),
  ),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: anyCodeUnit, maxLength: 80 }),
  fc.string({ unit: fc.oneof(fc.constantFrom('\u0000'), loneSurrogate, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 50, maxLength: 300 }),
  fc.integer({ min: 0, max: 300 }).map((n) => 'u'.repeat(n)),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 70 }),
);

/** Numbers at the edges: huge, negative, fractional, non-finite, NumericDate-like. */
export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0, -0, 1, -1, 0.5, 1e15, -1e15, 1e21, 1e308, -1e308, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2,
    Number.MIN_VALUE, Number.EPSILON, 253_402_300_799, 253_402_300_800, 253_402_300_799.9999, 8.64e12, 8.64e15, 8.64e15 + 1,
    2 ** 31, 2 ** 31 - 1, 2 ** 63, 200, 201, Number.NaN, Infinity, -Infinity,
  ),
  fc.double(),
  fc.integer(),
  fc.double({ min: 0, max: 4e9, noNaN: true }),
);

/** Any value a JavaScript caller could pass: strings, numbers, null, undefined, objects, arrays, dates, functions. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  nastyNumber,
  fc.constantFrom(null, undefined, true, false, [], {}, () => 'fn', Symbol('s'), 10n, new Date(Number.NaN), new Date(0), new Map()),
  fc.anything({ maxDepth: 2 }),
);

/** Dates of every kind: invalid, the epoch, far past and future, and ordinary ones. */
export const anyDate: fc.Arbitrary<Date> = fc.oneof(
  fc.date({ noInvalidDate: false }),
  fc.constantFrom(
    new Date(Number.NaN), new Date(0), new Date(-1), new Date(8.64e15), new Date(-8.64e15), new Date(253_402_300_799_000),
    new Date(253_402_300_799_001), new Date(253_402_300_800_000),
  ),
  fc.integer({ min: -3_600_000, max: 400 * 86_400_000 }).map((offset) => new Date(Date.now() + offset)),
);

/** JSON values, including the nasty strings and numbers above (as JSON can carry them). */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString,
    nastyNumber.filter(Number.isFinite),
    fc.constantFrom(null, true, false),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyString, fc.constantFrom('__proto__', 'role', 'constructor')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

// ---------------------------------------------------------------------------
// A raw HTTP client that sends the path exactly as given

export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/** Sends `path` byte for byte (Node's http client neither normalises nor re-encodes it). */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, method, path, headers, agent: keepAlive }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** For `afterAll`: closes the kept-alive sockets so jest can exit. */
export function closeHttpAgent(): void {
  keepAlive.destroy();
}

/** Percent-encodes every byte of the UTF-8 of `text` that is not unreserved (RFC 3986). */
export function percentEncodeBytes(bytes: Uint8Array): string {
  return [...bytes].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** Fails with a message naming the input when a call that had to be refused succeeded. */
export function mustBeRefused(outcome: { ok: boolean }, what: string): void {
  if (outcome.ok) throw new Error(`${what}: was accepted, but had to be refused`);
}

/** A short printable rendering of any value, for messages. */
export function show(value: unknown, max = 200): string {
  const text = fc.stringify(value);
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}
