/**
 * The revocation state as a log that any connection can follow: the deny-list
 * and the users' revoke-all watermarks, each row stamped with the transaction
 * that last wrote it. A replica loads it whole once, then reads what changed
 * since its last read, through the ordinary pool (a transaction-mode pooler
 * and a hot standby included). No dedicated connection is needed.
 *
 * A position is the database snapshot of a read (`xmin:xmax:xip,...`).
 * "Changed since" means "written by a transaction not yet visible in that
 * snapshot", so that a transaction that started before others and committed
 * after them is read at the first read after its commit: commit order, not
 * start order, and nothing is ever skipped.
 */
export interface RevocationLog {
  /** The current snapshot, to read from after a full load. */
  snapshot(): Promise<string>;
  /**
   * How far the server's data goes: the write-ahead log position inserted
   * so far on a primary (every commit made before is at or below it),
   * replayed so far on a hot standby.
   */
  walPosition(): Promise<WalPosition>;
  /**
   * How the deny-list and the watermarks lie on disk, read after
   * `snapshot()`: a full load walks each table in ranges of its blocks.
   */
  extents(): Promise<LogExtents>;
  /** The deny-list rows stored in `blocks`. */
  loadDenied(blocks: BlockRange, expiredSince: Date): Promise<DeniedEntry[]>;
  /** The watermark rows stored in `blocks`. */
  loadWatermarks(blocks: BlockRange, setSince: Date): Promise<WatermarkEntry[]>;
  /**
   * What was written after snapshot `read.from` and is visible at `read.to`
   * (the statement's own snapshot when null), at most `limit` rows of each
   * kind, each kind after its own cursor.
   */
  readSince(read: LogRead): Promise<LogChanges>;
  /** Sends `payload` on `channel` through the pool: proof that notifications reach a listener. */
  notify(channel: string, payload: string): Promise<void>;
}

/** Blocks `from` (included) to `to` (excluded) of a table's main file. */
export interface BlockRange {
  readonly from: number;
  readonly to: number;
}

export interface TableExtent {
  /** Blocks in the table's file when measured: every row committed before is in one of them. */
  readonly blocks: number;
  /** The planner's estimate of rows a block, to size the pages of a load. */
  readonly rowsPerBlock: number;
  /** The file itself: a rewrite (VACUUM FULL, CLUSTER) moves every row, so a load that saw two must start again. */
  readonly file: string;
}

export interface LogExtents {
  readonly denied: TableExtent;
  readonly watermarks: TableExtent;
}

export interface WalPosition {
  readonly lsn: bigint;
  readonly standby: boolean;
}

/** [id, expiresAtMs, userId]: a revoked session id, or an untracked token's jti (of that user, when given). */
export type DeniedEntry = readonly [id: string, expiresAtMs: number, userId: string | null];
/** [userId, revokedBeforeMs]. */
export type WatermarkEntry = readonly [userId: string, revokedBeforeMs: number];

/** Where a walk through the rows written in one interval stands: the last row's writer and key. */
export interface LogCursor {
  readonly writerXid: string;
  readonly key: string;
}

/** A cursor past every row: that kind is read to its end. */
export const END_OF_LOG: LogCursor = { writerXid: '9223372036854775807', key: '' };

export interface LogRead {
  readonly from: string;
  readonly to: string | null;
  readonly deniedAfter: LogCursor | null;
  readonly watermarksAfter: LogCursor | null;
  /** Deny-list entries whose tokens expired before this are left out. */
  readonly expiredSince: Date;
  readonly limit: number;
}

export interface LogChanges {
  /** The snapshot the rows were read at (`read.to`, or the statement's own). */
  readonly snapshot: string;
  readonly denied: readonly DeniedEntry[];
  readonly watermarks: readonly WatermarkEntry[];
  /** Where to go on when `denied` filled its page; null when nothing is left. */
  readonly deniedCursor: LogCursor | null;
  readonly watermarksCursor: LogCursor | null;
}
