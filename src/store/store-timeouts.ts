/**
 * How long each kind of store call may take before it counts as an outage
 * (`TokenStoreUnavailableError`, 503). A database that stops answering — a
 * frozen server, a network black hole — never refuses a connection, so
 * without a deadline of its own a call would wait as long as the socket
 * lives. The late answer of an abandoned call is ignored.
 */
export interface StoreTimeouts {
  /** The revocation check of a guarded request (a primary-key lookup). */
  readonly revocationCheckMs: number;
  /** Listing and counting sessions and tokens, finding a session, reading key usage, schema and health checks. */
  readonly readMs: number;
  /** Logins, refreshes, revocations, recording last use, ending idle sessions. */
  readonly writeMs: number;
}

/**
 * A check is a lookup of well under a millisecond that every guarded request
 * waits for: past a second the database is not serving. Reads scan a user's
 * rows; writes may wait for the session's or the user's lock behind
 * concurrent logins and refreshes, so they get the most room.
 */
export const DEFAULT_STORE_TIMEOUTS: StoreTimeouts = { revocationCheckMs: 1_000, readMs: 3_000, writeMs: 5_000 };
