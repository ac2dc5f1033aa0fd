import { Logger } from '@nestjs/common';
import { PrismaRevocationLog } from '../src/revocation/prisma-revocation-log.js';
import { RevocationFeed } from '../src/revocation/revocation-feed.js';
import { BlockRange, RevocationLog } from '../src/revocation/revocation-log.js';
import { RevocationReplica } from '../src/revocation/revocation-replica.js';
import { eventually } from './support/eventually.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';

const USER = 'load-user';
const ISSUED_LONG_AGO = new Date(0);

/**
 * A replica's first load walks the revocation tables in ranges of their
 * blocks (as they lie on disk, which costs PostgreSQL far less than a walk
 * in key order), while other instances keep revoking, raising watermarks,
 * extending revocations and purging. Every revocation committed before the
 * load, or during it, must be in the replica once it says it is synced.
 */
describe('the replica\'s first load, page by page while the tables change', () => {
  let db: TestDatabase;
  const feeds: RevocationFeed[] = [];

  /** A feed of its own, with small pages so that the load takes many statements. */
  function startFeed(log: RevocationLog): RevocationReplica {
    const replica = new RevocationReplica(1_000_000, 86_400_000, 0);
    const feed = new RevocationFeed(replica, log, null, {
      pollIntervalMs: 100, maxStalenessMs: 60_000, listen: null, reconnectMinMs: 100, reconnectMaxMs: 200,
      toleranceMs: 0, watermarkLifetimeMs: 86_400_000, pageSize: 200, sweepMs: 60_000, clock: Date.now,
    }, null as never);
    feeds.push(feed);
    feed.start();
    return replica;
  }

  /** The log, with `between` run before each page of the deny-list: what other instances do meanwhile. */
  function logWith(between: (page: number) => Promise<void>): RevocationLog & { pages: number } {
    const log = new PrismaRevocationLog(db.prisma);
    const wrapped = Object.create(log) as PrismaRevocationLog & { pages: number };
    wrapped.pages = 0;
    wrapped.loadDenied = async (blocks: BlockRange, expiredSince: Date) => {
      await between(wrapped.pages++);
      return log.loadDenied(blocks, expiredSince);
    };
    return wrapped;
  }

  const revokeSessions = (prefix: string, count: number) => db.query(
    `INSERT INTO revoked_tokens (id, kind, user_id, expires_at)
     SELECT $1 || n, 'session', $2, now() + interval '1 hour' FROM generate_series(1, $3::int) AS n`, [prefix, USER, count]);

  /** Every unexpired revocation in the database, refused by the replica. */
  async function expectEveryRevocationHeld(replica: RevocationReplica): Promise<void> {
    const sessions = await db.query<{ id: string }>(`SELECT id FROM revoked_tokens WHERE kind = 'session' AND expires_at > now()`);
    const tokens = await db.query<{ id: string; user_id: string }>(`SELECT id, user_id FROM revoked_tokens WHERE kind = 'token' AND expires_at > now()`);
    const watermarks = await db.query<{ user_id: string }>(`SELECT user_id FROM user_token_watermarks`);
    const missed = [
      ...sessions.filter(({ id }) => replica.check({ jti: 'unrelated', sessionId: id, userId: 'someone-else', issuedAt: new Date() }) !== true),
      ...tokens.filter(({ id, user_id }) => replica.check({ jti: id, sessionId: 'unrelated', userId: user_id, issuedAt: new Date() }) !== true),
      ...watermarks.filter(({ user_id }) => replica.check({ jti: 'unrelated', sessionId: 'unrelated', userId: user_id, issuedAt: ISSUED_LONG_AGO }) !== true),
    ];
    expect(missed).toEqual([]);
    expect(sessions.length + tokens.length + watermarks.length).toBeGreaterThan(0);
  }

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    db = await createTestDatabase();
  });

  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((feed) => feed.stop()));
    await db.query('TRUNCATE revoked_tokens, user_token_watermarks');
  });

  afterAll(async () => {
    await db?.dispose();
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
  });

  it('holds every revocation, with ids of any text, whatever was written, moved or purged between its pages', async () => {
    await revokeSessions('before-', 5_000);
    const hostileIds = ['tab\there', 'new\nline', 'quote"d', "apos'trophe", 'back\\slash', 'comma,semi;', 'émoji-🔑-ü', 'x'.repeat(64)];
    for (const id of hostileIds) {
      await db.query(`INSERT INTO revoked_tokens (id, kind, user_id, expires_at) VALUES ($1, 'token', $2, now() + interval '1 hour')`, [id, `user ${id}`.slice(0, 255)]);
    }
    await db.query(`INSERT INTO user_token_watermarks (user_id, revoked_before)
                    SELECT 'watermarked-' || n, now() FROM generate_series(1, 500) AS n`);
    await db.query(`INSERT INTO revoked_tokens (id, kind, user_id, expires_at)
                    SELECT 'expired-' || n, 'session', $1, now() - interval '1 hour' FROM generate_series(1, 200) AS n`, [USER]);
    await db.query('ANALYZE revoked_tokens');
    const log = logWith(async (page) => {
      if (page === 0) return;
      // Other instances, between two pages: new revocations (appended at the end of the table)…
      await revokeSessions(`during-${page}-`, 20);
      // …revocations extended, which moves their rows to other blocks, some already read…
      await db.query(`UPDATE revoked_tokens SET expires_at = expires_at + interval '1 minute'
                       WHERE id IN (SELECT id FROM revoked_tokens WHERE id LIKE 'before-%' ORDER BY id DESC LIMIT 50 OFFSET $1)`, [page * 50]);
      // …a watermark raised, and the expired rows purged.
      await db.query(`INSERT INTO user_token_watermarks (user_id, revoked_before) VALUES ($1, now())
                      ON CONFLICT (user_id) DO UPDATE SET revoked_before = now()`, [`watermarked-${page}`]);
      await db.query(`DELETE FROM revoked_tokens WHERE expires_at < now()`);
    });
    const replica = startFeed(log);
    await eventually(() => expect(replica.synced).toBe(true), 30_000);
    expect(log.pages).toBeGreaterThan(10);
    await expectEveryRevocationHeld(replica);
    for (const id of hostileIds) {
      expect(replica.check({ jti: id, sessionId: 'unrelated', userId: `user ${id}`.slice(0, 255), issuedAt: new Date() })).toBe(true);
      // Scoped to its user: the same jti of another user is not refused.
      expect(replica.check({ jti: id, sessionId: 'unrelated', userId: 'another user', issuedAt: new Date() })).toBe(false);
    }
  });

  it('starts again when a table is rewritten while it loads (VACUUM FULL moves every row)', async () => {
    await revokeSessions('rewritten-', 3_000);
    await db.query('ANALYZE revoked_tokens');
    let rewrites = 0;
    const log = logWith(async (page) => {
      if (page !== 3) return;
      // Empty the first blocks, then compact the table: rows not yet read move into blocks already read.
      await db.query(`DELETE FROM revoked_tokens WHERE id IN (SELECT id FROM revoked_tokens ORDER BY ctid LIMIT 1500)`);
      await revokeSessions('after-rewrite-', 10);
      await db.query('VACUUM FULL revoked_tokens');
      rewrites++;
    });
    const replica = startFeed(log);
    await eventually(() => expect(replica.synced).toBe(true), 30_000);
    expect(rewrites).toBe(1);
    await expectEveryRevocationHeld(replica);
  });
});
