import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { MAX_ID_LENGTH, MAX_NUMERIC_DATE, MAX_PAGE_OFFSET, MAX_PAGE_SIZE, MAX_REASON_LENGTH, MAX_USER_ID_LENGTH } from './limits.js';
import { isStorableText } from './storable-text.js';

/**
 * Checks of the values callers pass to the library's methods and routes.
 * Each throws `InvalidArgumentError` (400 INVALID_ARGUMENT) naming the
 * argument and what it must be; none lets a value through that the database
 * could refuse.
 */

/** A non-empty string of at most `maxLength` characters that the database stores as given. */
export function assertText(value: unknown, name: string, maxLength: number): asserts value is string {
  if (typeof value !== 'string' || value === '' || value.length > maxLength || !isStorableText(value)) {
    throw new InvalidArgumentError(
      `${name} must be a non-empty string of at most ${maxLength} characters, without U+0000 or unpaired surrogates` +
        ` (got ${describe(value)})`,
    );
  }
}

export function assertUserId(value: unknown, name = 'userId'): asserts value is string {
  assertText(value, name, MAX_USER_ID_LENGTH);
}

/** A jti or a session id. */
export function assertId(value: unknown, name: string): asserts value is string {
  assertText(value, name, MAX_ID_LENGTH);
}

/** An options argument: absent, or an object (a string or number there is a mistake, not "no options"). */
export function assertOptions(value: unknown, name = 'options'): void {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new InvalidArgumentError(`${name} must be an object or left out (got ${describe(value)})`);
  }
}

/** The reason recorded with a revocation, or the fallback when none is given. */
export function reasonOf(options: { reason?: unknown } | undefined, fallback: string): string {
  assertOptions(options);
  const reason = options?.reason ?? fallback;
  assertText(reason, 'reason', MAX_REASON_LENGTH);
  return reason;
}

/** Who asked for a revocation (events only), or null. */
export function actorOf(options: { actor?: unknown } | undefined): string | null {
  assertOptions(options);
  const actor = options?.actor;
  if (actor === undefined || actor === null) return null;
  if (typeof actor !== 'string') throw new InvalidArgumentError(`actor must be a string (got ${describe(actor)})`);
  return actor;
}

/** A valid Date between 1970 and the end of 9999. */
export function assertDate(value: unknown, name: string): asserts value is Date {
  if (!(value instanceof Date) || !(value.getTime() >= 0 && value.getTime() <= MAX_NUMERIC_DATE * 1000)) {
    throw new InvalidArgumentError(`${name} must be a valid Date from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z (got ${describe(value)})`);
  }
}

export interface PageRequest {
  /** From 1 to 200; left out, every session from `offset` on. */
  readonly limit?: number;
  /** From 0; left out, 0. */
  readonly offset?: number;
}

/** `{ limit?, offset? }`: limit from 1 to 200, offset from 0. */
export function assertPage(value: unknown): asserts value is PageRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`page must be an object { limit?, offset? } (got ${describe(value)})`);
  }
  const { limit, offset } = value as Record<string, unknown>;
  if (limit !== undefined) assertInteger(limit, 'limit', 1, MAX_PAGE_SIZE);
  if (offset !== undefined) assertInteger(offset, 'offset', 0, MAX_PAGE_OFFSET);
}

export function assertInteger(value: unknown, name: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max} (got ${describe(value)})`);
  }
}

/** A short, safe rendering of a rejected value for an error message (never the whole of a long string). */
export function describe(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `${JSON.stringify(shown)} (${value.length} characters)`;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : value.toISOString();
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
