/**
 * The PostgreSQL NOTIFY channel on which every revocation is announced, in
 * the transaction that makes it (so it is delivered only if it commits).
 * The SQL functions of the migrations send on it; revocation replicas listen.
 */
export const REVOCATION_CHANNEL = 'token_tracking_revocations';

/**
 * One notification's content:
 * - `{"r": [[id, expiresAtMs, userId?], ...]}`: ids deny-listed until the
 *   given instant: session ids, or jtis of tokens that were never tracked
 *   (with the user the token belongs to, when known);
 * - `{"w": [userId, revokedBeforeMs]}`: every token of the user issued at or
 *   before that instant is revoked.
 */
export type RevocationAnnouncement =
  | { readonly kind: 'denied'; readonly entries: ReadonlyArray<readonly [id: string, expiresAtMs: number, userId?: string]> }
  | { readonly kind: 'watermark'; readonly userId: string; readonly revokedBeforeMs: number }
  /** A payload that could not be read: the listener must not guess what it missed. */
  | { readonly kind: 'unreadable' };

export function parseRevocationAnnouncement(payload: string | undefined): RevocationAnnouncement {
  try {
    const message = JSON.parse(payload ?? '') as { r?: unknown; w?: unknown };
    if (Array.isArray(message.r) && message.r.every(isDeniedEntry)) {
      return { kind: 'denied', entries: message.r as Array<[string, number, string?]> };
    }
    if (Array.isArray(message.w) && message.w.length === 2 && typeof message.w[0] === 'string' && Number.isFinite(message.w[1])) {
      return { kind: 'watermark', userId: message.w[0], revokedBeforeMs: message.w[1] as number };
    }
  } catch {
    // Falls through.
  }
  return { kind: 'unreadable' };
}

function isDeniedEntry(entry: unknown): boolean {
  return Array.isArray(entry) && typeof entry[0] === 'string' && Number.isFinite(entry[1]) &&
    (entry.length === 2 || (entry.length === 3 && typeof entry[2] === 'string'));
}
