import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';

/**
 * Longest lifetime or duration an option may give: 100 years, so that every
 * date computed from it (a token's `exp`, a cutoff) stays before the end of
 * year 9999, the latest date a token may carry (`MAX_NUMERIC_DATE`).
 */
export const MAX_DURATION_SECONDS = 3_155_760_000;
/** Node fires a timer of more than 2^31 - 1 ms at once (with a warning): options that become timers stay under it, about 24.8 days. */
export const MAX_TIMER_SECONDS = Math.floor(2_147_483_647 / 1000);
/** Values that reach PostgreSQL as `int`. */
export const MAX_INT4 = 2_147_483_647;

/**
 * Refuses names an options object does not know: a misspelt nested option
 * would otherwise be ignored, leaving its default in force unnoticed.
 */
export function refuseUnknownOptions(value: object, path: string, known: readonly string[]): void {
  for (const name of Object.keys(value)) {
    if (!known.includes(name)) {
      throw new TokenTrackingConfigurationError(`unknown option ${path}.${name}; ${path} takes ${known.join(', ')}`);
    }
  }
}

/** An options object, or `undefined` when left out; anything else is refused. */
export function optionalObject<T extends object>(value: T | undefined, name: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenTrackingConfigurationError(`${name} must be an object (got ${describeValue(value)})`);
  }
  return value;
}

export function requireNonEmpty(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TokenTrackingConfigurationError(`${name} must be a non-empty string`);
  }
  return value;
}

/** A whole number from `minimum` to `maximum`; the message names both bounds and, if given, why the upper one exists. */
export function requireInteger(value: unknown, name: string, minimum: number, maximum = Number.MAX_SAFE_INTEGER, whyMaximum?: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    const range = maximum === Number.MAX_SAFE_INTEGER ? `>= ${minimum}` : `from ${minimum} to ${maximum}${whyMaximum ? ` (${whyMaximum})` : ''}`;
    throw new TokenTrackingConfigurationError(`${name} must be an integer ${range} (got ${describeValue(value)})`);
  }
  return value;
}

/** A lifetime or duration in seconds: a whole number from `minimum` to `MAX_DURATION_SECONDS`. */
export function requireDuration(value: unknown, name: string, minimum: number): number {
  return requireInteger(value, name, minimum, MAX_DURATION_SECONDS, '100 years: dates past 9999 cannot be carried by a token');
}

/** Seconds that become a timer: a whole number from `minimum` to `MAX_TIMER_SECONDS`. */
export function requireTimerSeconds(value: unknown, name: string, minimum: number, maximum = MAX_TIMER_SECONDS): number {
  return requireInteger(value, name, minimum, maximum, 'about 24 days, the longest timer Node runs');
}

export function optionalDuration(value: unknown, name: string, minimum: number): number | null {
  return value === undefined || value === null ? null : requireDuration(value, name, minimum);
}

export function requireBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new TokenTrackingConfigurationError(`${name} must be true or false (got ${describeValue(value)})`);
  return value;
}

export function requireOneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new TokenTrackingConfigurationError(`${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')} (got ${describeValue(value)})`);
  }
  return value as T;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function requireFunction<T extends Function>(value: T | undefined, name: string): T | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'function') throw new TokenTrackingConfigurationError(`${name} must be a function`);
  return value;
}

/** One segment of a route prefix: what Express and Fastify match literally (no parameter, wildcard, query or fragment). */
const ROUTE_SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * A route prefix such as `auth/sessions` or `/api/v1/jwks/`, leading and
 * trailing slashes optional. Refused: an empty prefix, empty or dot
 * segments (`a//b`, `../x`), and anything a router would read as a
 * parameter, wildcard, query or fragment (`:id`, `*`, `?`, `#`) or that
 * holds spaces or control characters.
 */
export function requireRoutePath(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new TokenTrackingConfigurationError(`${name} must be a string (got ${describeValue(value)})`);
  const trimmed = value.replace(/^\/+|\/+$/g, '');
  const segments = trimmed.split('/');
  if (trimmed === '' || segments.some((segment) => !ROUTE_SEGMENT.test(segment) || segment === '.' || segment === '..')) {
    throw new TokenTrackingConfigurationError(
      `${name} must be a route prefix of letters, digits and . _ ~ - between slashes, such as "auth/sessions" (got ${describeValue(value)})`,
    );
  }
  return trimmed;
}

/** A value as a message shows it: strings quoted, so that `'600'` is told from `600`. */
export function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
