import { Logger } from '@nestjs/common';
import { TokenStoreError } from '../errors/token-store.error.js';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable.error.js';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { TimedOutError } from '../runtime/with-timeout.js';

/**
 * What a failed query means:
 * - `unavailable`: the database could not be reached or could not serve the
 *   query (connection refused/reset/timed out, pool exhausted, server
 *   shutting down or starting up, read-only, statement timeout, the driver's
 *   own timeouts, no answer within the call's deadline). Retrying later may work.
 * - `conflict`: a deadlock or serialization failure; the same statement can
 *   simply run again.
 * - `error`: anything else — bad data, a schema that does not match, a bug.
 *   Not an outage, and never treated as one.
 */
export type StoreFailureKind = 'unavailable' | 'conflict' | 'error';

/** SQLSTATE classes and codes that mean the server cannot serve us right now. */
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '53', '57P'];
/** query_canceled: raised by statement_timeout, the operator's way of saying "too slow counts as down". */
const STATEMENT_TIMEOUT = '57014';
/** lock_not_available: raised by lock_timeout while a table is locked (a migration): down for now, not a bug. */
const LOCK_TIMEOUT = '55P03';
/**
 * read_only_sql_transaction (a hot standby, or a primary turned read-only),
 * idle_in_transaction_session_timeout and transaction_timeout: the server
 * cannot take this work now, which is an outage rather than a bug.
 */
const UNAVAILABLE_SQLSTATES = new Set(['25006', '25P03', '25P04']);
const CONFLICT_SQLSTATES = new Set(['40001', '40P01']);

/** Driver adapter error kinds (Prisma) for failures below SQL. */
const UNAVAILABLE_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TlsConnectionError',
  'TransactionAlreadyClosed',
]);
/** Prisma's own codes for the same: can't reach, timeouts, closed connection, pool timeout, transaction start/timeout. */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
/** Node socket errors, from `pg` directly or wrapped. */
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/**
 * Messages of `pg` and its pool for connections lost or never made, and for
 * its client-side timeouts (`query_timeout`: "Query read timeout";
 * `connectionTimeoutMillis`: "timeout exceeded when trying to connect").
 */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|Query read timeout|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|Client was closed|not queryable/i;

export function classifyStoreFailure(error: unknown): StoreFailureKind {
  // A call past its deadline: the database did not answer in time.
  if (error instanceof TimedOutError) return 'unavailable';
  const sqlState = sqlStateOf(error);
  if (sqlState !== undefined) {
    if (CONFLICT_SQLSTATES.has(sqlState)) return 'conflict';
    if (sqlState === STATEMENT_TIMEOUT || sqlState === LOCK_TIMEOUT || UNAVAILABLE_SQLSTATES.has(sqlState) || UNAVAILABLE_SQLSTATE_CLASSES.some((prefix) => sqlState.startsWith(prefix))) {
      return 'unavailable';
    }
    return 'error';
  }
  for (const candidate of chainOf(error)) {
    const record = candidate as Record<string, unknown>;
    // Prisma's own "write conflict or deadlock, please retry".
    if (record.code === 'P2034') return 'conflict';
    if (typeof record.kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(record.kind)) return 'unavailable';
    if (typeof record.code === 'string' && (UNAVAILABLE_PRISMA_CODES.has(record.code) || UNAVAILABLE_SOCKET_CODES.has(record.code))) {
      return 'unavailable';
    }
    if (candidate instanceof Error && UNAVAILABLE_MESSAGES.test(candidate.message)) return 'unavailable';
  }
  return 'error';
}

/** The SQLSTATE of a PostgreSQL error, however deep Prisma or `pg` wrapped it. */
export function sqlStateOf(error: unknown): string | undefined {
  for (const candidate of chainOf(error)) {
    const record = candidate as Record<string, unknown>;
    if (typeof record.originalCode === 'string' && /^[0-9A-Z]{5}$/.test(record.originalCode)) return record.originalCode;
    // `pg` errors carry the SQLSTATE as `code` (and a `severity`).
    if (typeof record.code === 'string' && /^[0-9A-Z]{5}$/.test(record.code) && 'severity' in record) return record.code;
  }
  return undefined;
}

/** The error, its `cause`s and Prisma's `meta.driverAdapterError` chain, breadth first and bounded. */
function* chainOf(error: unknown): Generator<object> {
  const queue: unknown[] = [error];
  for (let seen = 0; queue.length > 0 && seen < 16; seen++) {
    const current = queue.shift();
    if (typeof current !== 'object' || current === null) continue;
    yield current;
    const record = current as Record<string, unknown>;
    queue.push(record.cause);
    const meta = record.meta as Record<string, unknown> | undefined;
    if (meta && typeof meta === 'object') queue.push(meta.driverAdapterError);
  }
}

/**
 * Turns a query failure into the library's error: `TokenStoreUnavailableError`
 * for an outage, `TokenStoreError` (logged with its cause, since it is a bug
 * or a schema problem someone must see) for anything else. The library's own
 * errors pass through.
 */
export function toStoreError(error: unknown, logger: Logger, operation: string): TokenTrackingError {
  if (error instanceof TokenTrackingError) return error;
  if (classifyStoreFailure(error) === 'unavailable') return new TokenStoreUnavailableError({ cause: error });
  logger.error(`${operation} failed: ${describeCause(error)}`, error instanceof Error ? error.stack : undefined);
  return new TokenStoreError({ cause: error });
}

/** One line naming the SQLSTATE and the database's message, for logs. */
export function describeCause(error: unknown): string {
  const sqlState = sqlStateOf(error);
  let message = error instanceof Error ? error.message : String(error);
  for (const candidate of chainOf(error)) {
    const record = candidate as Record<string, unknown>;
    if (typeof record.originalMessage === 'string') message = record.originalMessage;
  }
  return `${sqlState ? `[${sqlState}] ` : ''}${message.trim().split('\n').filter(Boolean).at(-1) ?? message}`;
}
