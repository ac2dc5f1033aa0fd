/**
 * What the library accepts, one place for all of it: the widths of the
 * columns in prisma/schema.prisma and the range of dates PostgreSQL and
 * JavaScript both represent, so that anything else is refused with a clear
 * error before it could fail in the database.
 */
export const MAX_USER_ID_LENGTH = 255;
/** A jti or session id (ours are 43 base64url characters). */
export const MAX_ID_LENGTH = 64;
export const MAX_REASON_LENGTH = 64;
/** A key id (`kid`). */
export const MAX_KEY_ID_LENGTH = 64;

/**
 * Latest NumericDate (seconds) accepted in a token or as a date argument:
 * 9999-12-31T23:59:59Z, the largest instant every JWT library and
 * `timestamptz` agree on (JavaScript dates end in 275760).
 */
export const MAX_NUMERIC_DATE = 253_402_300_799;

/** Listing pages: `limit` from 1 to this. */
export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;
/** `offset` up to this (PostgreSQL's OFFSET is a bigint; JavaScript integers stay exact below 2^53). */
export const MAX_PAGE_OFFSET = Number.MAX_SAFE_INTEGER;
