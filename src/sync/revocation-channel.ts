import { Invalidation } from './revocation-cache.js';

/**
 * The PostgreSQL NOTIFY channel on which every revocation is announced, in
 * the transaction that makes it (so it is delivered only if it commits).
 */
export const REVOCATION_CHANNEL = 'token_tracking_revocations';

/**
 * Parses a notification payload, `{"u": userId}` or `{"j": jti}`. Anything
 * else invalidates everything: an unreadable message must not leave a
 * revoked token cached.
 */
export function parseInvalidation(payload: string | undefined): Invalidation {
  try {
    const message = JSON.parse(payload ?? '') as { u?: unknown; j?: unknown };
    if (typeof message.u === 'string') return { userId: message.u };
    if (typeof message.j === 'string') return { jti: message.j };
  } catch {
    // Falls through to a full invalidation.
  }
  return { all: true };
}
