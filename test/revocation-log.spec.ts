import pg from 'pg';
import { PrismaRevocationLog } from '../src/revocation/prisma-revocation-log.js';
import { LogChanges, LogRead } from '../src/revocation/revocation-log.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';

/**
 * The revocation log read "since the last snapshot": what a replica reads
 * through an ordinary pool. A sequence number is taken when a row is
 * written, not when it commits, so "rows numbered above the last one read"
 * would skip a transaction that wrote first and committed last. Reading by
 * snapshot visibility must not.
 */
describe('the revocation log', () => {
  let db: TestDatabase;
  let log: PrismaRevocationLog;
  const clients: pg.Client[] = [];
  const connect = async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    clients.push(client);
    return client;
  };
  const since = (from: string, overrides: Partial<LogRead> = {}): Promise<LogChanges> =>
    log.readSince({ from, to: null, deniedAfter: null, watermarksAfter: null, expiredSince: new Date(0), limit: 1000, ...overrides });
  const deny = (client: pg.Client, id: string) =>
    client.query(`INSERT INTO revoked_tokens (id, kind, user_id, expires_at) VALUES ($1, 'session', 'log-user', now() + interval '1 hour')`, [id]);

  beforeAll(async () => {
    db = await createTestDatabase();
    log = new PrismaRevocationLog(db.prisma);
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end()));
    await db?.dispose();
  });

  it('reads a transaction that wrote first and committed last at the first read after its commit', async () => {
    const early = await connect();
    const late = await connect();
    const start = await log.snapshot();
    await early.query('BEGIN');
    await deny(early, 'written-first-committed-last');
    await deny(late, 'written-second-committed-first');
    const first = await since(start);
    expect(first.denied.map(([id]) => id)).toEqual(['written-second-committed-first']);
    await early.query('COMMIT');
    const second = await since(first.snapshot);
    expect(second.denied.map(([id]) => id)).toEqual(['written-first-committed-last']);
    // And nothing is read twice.
    expect((await since(second.snapshot)).denied).toEqual([]);
  });

  it('never reads a transaction that rolled back', async () => {
    const client = await connect();
    const start = await log.snapshot();
    await client.query('BEGIN');
    await deny(client, 'rolled-back');
    const during = await since(start);
    await client.query('ROLLBACK');
    const after = await since(during.snapshot);
    expect([...during.denied, ...after.denied].map(([id]) => id)).not.toContain('rolled-back');
  });

  it('reads a raised watermark again, with its new value', async () => {
    const client = await connect();
    await client.query(`INSERT INTO user_token_watermarks (user_id, revoked_before) VALUES ('watermark-user', to_timestamp(1000))`);
    const start = await log.snapshot();
    await client.query(`UPDATE user_token_watermarks SET revoked_before = to_timestamp(2000) WHERE user_id = 'watermark-user'`);
    const changes = await since(start);
    expect(changes.watermarks).toEqual([['watermark-user', 2_000_000]]);
  });

  it('pages through many changes at one snapshot, each row once', async () => {
    const start = await log.snapshot();
    await db.query(`INSERT INTO revoked_tokens (id, kind, user_id, expires_at)
                    SELECT 'paged-' || n, 'token', 'paged-user', now() + interval '1 hour' FROM generate_series(1, 250) AS n`);
    const seen: string[] = [];
    let read: LogRead = { from: start, to: null, deniedAfter: null, watermarksAfter: null, expiredSince: new Date(0), limit: 100 };
    for (let pages = 1; ; pages++) {
      const changes = await log.readSince(read);
      seen.push(...changes.denied.map(([id]) => id));
      expect(changes.denied.every(([, , userId]) => userId === 'paged-user')).toBe(true);
      if (!changes.deniedCursor) {
        expect(pages).toBe(3);
        break;
      }
      read = { ...read, to: changes.snapshot, deniedAfter: changes.deniedCursor };
    }
    expect(new Set(seen).size).toBe(250);
    expect(seen).toHaveLength(250);
  });

  it('leaves out entries whose tokens expired before the given instant', async () => {
    const start = await log.snapshot();
    await db.query(`INSERT INTO revoked_tokens (id, kind, user_id, expires_at) VALUES ('long-expired', 'session', 'old-user', now() - interval '1 day')`);
    const changes = await since(start, { expiredSince: new Date(Date.now() - 60_000) });
    expect(changes.denied.map(([id]) => id)).not.toContain('long-expired');
  });
});
