import { PrismaRawClient } from '../store/prisma-client.interface.js';
import { BlockRange, DeniedEntry, LogChanges, LogCursor, LogExtents, LogRead, RevocationLog, TableExtent, WalPosition, WatermarkEntry } from './revocation-log.js';

interface ChangesRow {
  snapshot: string;
  denied: string | null;
  watermarks: string | null;
}

/** A row as JSON: the entry's fields, then the writer's xid and the row's key (the cursor). */
type DeniedRow = [id: string, expiresAtMs: number, userId: string | null, writerXid: string];
type WatermarkRow = [userId: string, revokedBeforeMs: number, writerXid: string];

/**
 * The revocation log read through a Prisma client: every read is one
 * statement, so any pool works, transaction-mode poolers included, and a
 * client of a hot standby reads the standby. Rows come back as one JSON
 * text per kind, which costs far less to decode than one object per row.
 */
export class PrismaRevocationLog implements RevocationLog {
  constructor(private readonly prisma: PrismaRawClient) {}

  async snapshot(): Promise<string> {
    const [row] = await this.prisma.$queryRaw<Array<{ snapshot: string }>>`SELECT pg_current_snapshot()::text AS snapshot`;
    return row!.snapshot;
  }

  async walPosition(): Promise<WalPosition> {
    const [row] = await this.prisma.$queryRaw<Array<{ lsn: string; standby: boolean }>>`
      SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END)::text AS lsn,
             pg_is_in_recovery() AS standby`;
    return { lsn: lsnToNumber(row!.lsn), standby: row!.standby };
  }

  async extents(): Promise<LogExtents> {
    const rows = await this.prisma.$queryRaw<Array<{ name: string; blocks: number; rows_per_block: number; file: string }>>`
      SELECT c.relname AS name,
             (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS blocks,
             (CASE WHEN c.relpages > 0 AND c.reltuples > 0 THEN c.reltuples / c.relpages ELSE 0 END)::float8 AS rows_per_block,
             pg_relation_filenode(c.oid)::text AS file
        FROM pg_class AS c
       WHERE c.oid IN ('revoked_tokens'::regclass, 'user_token_watermarks'::regclass)`;
    const extentOf = (name: string): TableExtent => {
      const row = rows.find((candidate) => candidate.name === name)!;
      return { blocks: Number(row.blocks), rowsPerBlock: Number(row.rows_per_block), file: row.file };
    };
    return { denied: extentOf('revoked_tokens'), watermarks: extentOf('user_token_watermarks') };
  }

  /**
   * In block order, not key order: a key-ordered walk visits the heap at
   * random, one block a row, and costs PostgreSQL several times as much
   * when many instances load at once. A range of blocks is read as it lies
   * (a TID range scan). Plain rows, not one JSON text as the reads below:
   * building a page's JSON would cost PostgreSQL, which every instance
   * loading at once shares, more than the rows cost each instance to decode.
   */
  async loadDenied(blocks: BlockRange, expiredSince: Date): Promise<DeniedEntry[]> {
    const rows = await this.prisma.$queryRaw<Array<{ id: string; expires_at_ms: number; user_id: string | null }>>`
      SELECT r.id, floor(extract(epoch FROM r.expires_at) * 1000)::float8 AS expires_at_ms,
             CASE WHEN r.kind = 'token' THEN r.user_id END AS user_id
        FROM revoked_tokens AS r
       WHERE r.ctid >= format('(%s,0)', ${blocks.from}::int)::tid AND r.ctid < format('(%s,0)', ${blocks.to}::int)::tid
         AND r.expires_at > ${expiredSince}`;
    return rows.map((row) => [row.id, Number(row.expires_at_ms), row.user_id]);
  }

  async loadWatermarks(blocks: BlockRange, setSince: Date): Promise<WatermarkEntry[]> {
    const rows = await this.prisma.$queryRaw<Array<{ user_id: string; revoked_before_ms: number }>>`
      SELECT w.user_id, floor(extract(epoch FROM w.revoked_before) * 1000)::float8 AS revoked_before_ms
        FROM user_token_watermarks AS w
       WHERE w.ctid >= format('(%s,0)', ${blocks.from}::int)::tid AND w.ctid < format('(%s,0)', ${blocks.to}::int)::tid
         AND w.revoked_before > ${setSince}`;
    return rows.map((row) => [row.user_id, Number(row.revoked_before_ms)]);
  }

  /**
   * Rows whose writer is visible at `to` and was not at `from`. Writers
   * below `from`'s xmin were all finished before `from` was taken, so the
   * index walk starts there; rows of earlier versions' writers that carry
   * no xid are older than any position and never read here.
   */
  async readSince(read: LogRead): Promise<LogChanges> {
    const deniedAfter = read.deniedAfter ?? { writerXid: '0', key: '' };
    const watermarksAfter = read.watermarksAfter ?? { writerXid: '0', key: '' };
    const [row] = await this.prisma.$queryRaw<ChangesRow[]>`
      WITH bounds AS MATERIALIZED (
        SELECT ${read.from}::pg_snapshot AS since,
               coalesce(${read.to}::pg_snapshot, pg_current_snapshot()) AS upto,
               pg_snapshot_xmin(${read.from}::pg_snapshot)::text::bigint AS since_xmin,
               -- A snapshot taken on a hot standby lists no transaction in progress (PostgreSQL keeps them
               -- where pg_current_snapshot() does not look): from its xmin on, any writer may have been.
               CASE WHEN pg_snapshot_xmin(${read.from}::pg_snapshot) < pg_snapshot_xmax(${read.from}::pg_snapshot)
                     AND NOT EXISTS (SELECT FROM pg_snapshot_xip(${read.from}::pg_snapshot))
                    THEN pg_snapshot_xmin(${read.from}::pg_snapshot)::text::bigint END AS since_unlisted_from
      )
      SELECT b.upto::text AS snapshot,
             (SELECT json_agg(json_build_array(d.id, d.expires_at_ms, d.user_id, d.writer_xid::text) ORDER BY d.writer_xid, d.id)::text
                FROM (SELECT r.id, floor(extract(epoch FROM r.expires_at) * 1000)::float8 AS expires_at_ms,
                             CASE WHEN r.kind = 'token' THEN r.user_id END AS user_id, r.writer_xid
                        FROM revoked_tokens AS r
                       WHERE r.writer_xid >= b.since_xmin
                         AND (r.writer_xid, r.id) > (${deniedAfter.writerXid}::bigint, ${deniedAfter.key}::varchar)
                         AND (NOT pg_visible_in_snapshot(r.writer_xid::text::xid8, b.since) OR r.writer_xid >= b.since_unlisted_from)
                         AND pg_visible_in_snapshot(r.writer_xid::text::xid8, b.upto)
                         AND r.expires_at > ${read.expiredSince}
                       ORDER BY r.writer_xid, r.id
                       LIMIT ${read.limit}) AS d) AS denied,
             (SELECT json_agg(json_build_array(w.user_id, w.revoked_before_ms, w.writer_xid::text) ORDER BY w.writer_xid, w.user_id)::text
                FROM (SELECT u.user_id, floor(extract(epoch FROM u.revoked_before) * 1000)::float8 AS revoked_before_ms, u.writer_xid
                        FROM user_token_watermarks AS u
                       WHERE u.writer_xid >= b.since_xmin
                         AND (u.writer_xid, u.user_id) > (${watermarksAfter.writerXid}::bigint, ${watermarksAfter.key}::varchar)
                         AND (NOT pg_visible_in_snapshot(u.writer_xid::text::xid8, b.since) OR u.writer_xid >= b.since_unlisted_from)
                         AND pg_visible_in_snapshot(u.writer_xid::text::xid8, b.upto)
                       ORDER BY u.writer_xid, u.user_id
                       LIMIT ${read.limit}) AS w) AS watermarks
        FROM bounds AS b`;
    const denied = row!.denied ? (JSON.parse(row!.denied) as DeniedRow[]) : [];
    const watermarks = row!.watermarks ? (JSON.parse(row!.watermarks) as WatermarkRow[]) : [];
    return {
      snapshot: row!.snapshot,
      denied: denied.map(([id, expiresAtMs, userId]) => [id, expiresAtMs, userId] as const),
      watermarks: watermarks.map(([userId, revokedBeforeMs]) => [userId, revokedBeforeMs] as const),
      deniedCursor: denied.length < read.limit ? null : cursorOf(denied.at(-1)![3], denied.at(-1)![0]),
      watermarksCursor: watermarks.length < read.limit ? null : cursorOf(watermarks.at(-1)![2], watermarks.at(-1)![0]),
    };
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.prisma.$queryRaw`SELECT pg_notify(${channel}, ${payload})::text`;
  }
}

/** `X/Y` (two hexadecimal halves) as one number, to compare. */
function lsnToNumber(lsn: string): bigint {
  const [high, low] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

function cursorOf(writerXid: string, key: string): LogCursor {
  return { writerXid, key };
}
