/**
 * Lengths the library accepts, one place for all of them: they are the
 * widths of the columns in prisma/schema.prisma, so anything longer is
 * refused with a clear error before it could fail in the database.
 */
export const MAX_USER_ID_LENGTH = 255;
/** A jti or session id (ours are 43 base64url characters). */
export const MAX_ID_LENGTH = 64;
export const MAX_REASON_LENGTH = 64;
