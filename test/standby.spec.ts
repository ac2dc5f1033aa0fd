import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { applyMigrations } from '../dev/migrate.mjs';
import { createPrismaClient, PrismaClient } from '../dev/prisma.js';
import { RevocationChecker, TokenRevokedError } from '../src/index.js';
import { eventually } from './support/eventually.js';
import { PrimaryAndStandby, standbyAvailable, startPrimaryAndStandby } from './support/system-postgres-pair.js';
import { startTokenTracking, TokenTrackingApp } from './support/token-tracking-app.js';

/**
 * A verify-only service reading the revocation log from a streaming hot
 * standby: its freshness is measured against the primary, not assumed, so a
 * standby that falls behind sends checks to the primary instead of
 * answering from stale memory.
 */
(standbyAvailable() ? describe : describe.skip)('the revocation replica on a hot standby', () => {
  let servers: PrimaryAndStandby;
  let primary: PrismaClient;
  let standby: PrismaClient;
  let writer: TokenTrackingApp;
  let reader: TokenTrackingApp;

  beforeAll(async () => {
    servers = await startPrimaryAndStandby();
    await applyMigrations(servers.primaryUrl);
    primary = createPrismaClient(servers.primaryUrl, 4);
    standby = createPrismaClient(servers.standbyUrl, 2);
    writer = await startTokenTracking(primary);
    reader = await startTokenTracking(createPrismaClient(servers.primaryUrl, 2), {
      revocationReplica: { readFrom: standby, pollIntervalMs: 100, maxStalenessMs: 1_000 },
    });
    await eventually(() => expect(reader.get<RevocationChecker>(RevocationChecker).status.synced).toBe(true), 20_000);
  }, 60_000);

  afterAll(async () => {
    await reader?.close();
    await writer?.close();
    await Promise.all([primary?.$disconnect(), standby?.$disconnect()]);
    servers?.stop();
  }, 30_000);

  it('applies revocations made on the primary, reporting the standby\'s lag', async () => {
    const checker = reader.get<RevocationChecker>(RevocationChecker);
    const { token } = await writer.tokens.generateToken('standby-user');
    await reader.tokens.parseToken(token);
    await writer.tokens.revokeToken(token);
    await eventually(() => expect(reader.tokens.parseToken(token)).rejects.toBeInstanceOf(TokenRevokedError), 3_000);
    expect(checker.status.standbyLagMs).toEqual(expect.any(Number));
    expect(checker.status.standbyLagMs!).toBeLessThan(1_000);
  });

  it('a revocation whose transaction was still open when the standby was read is applied once it commits', async () => {
    // A snapshot taken on a standby lists no open transaction: a read then must not take the open one for done.
    const { token } = await writer.tokens.generateToken('open-transaction-user');
    const { sessionId, userId } = await reader.tokens.parseToken(token);
    const open = new pg.Client({ connectionString: servers.primaryUrl });
    await open.connect();
    try {
      await open.query('BEGIN');
      await open.query(`INSERT INTO revoked_tokens (id, kind, user_id, expires_at, reason) VALUES ($1, 'session', $2, now() + interval '1 hour', 'by-hand')`, [sessionId, userId]);
      // A later transaction commits first (as in any burst of logouts): the open one is now below the standby's xmax.
      await writer.tokens.generateToken('another-user');
      // The standby replays the insert, not yet the commit, while the reader reads it every 100 ms.
      await sleep(1_000);
      await expect(reader.tokens.parseToken(token)).resolves.toMatchObject({ sessionId });
      await open.query('COMMIT');
    } finally {
      await open.end();
    }
    await eventually(() => expect(reader.tokens.parseToken(token)).rejects.toBeInstanceOf(TokenRevokedError), 3_000);
  });

  it('a standby that stops replaying: within maxStalenessMs checks go to the primary, and a revocation made meanwhile is refused', async () => {
    const checker = reader.get<RevocationChecker>(RevocationChecker);
    const { token } = await writer.tokens.generateToken('lagging-standby-user');
    await reader.tokens.parseToken(token);
    servers.standbySql('SELECT pg_wal_replay_pause()');
    try {
      await writer.tokens.revokeToken(token);
      // The standby never sees it; the replica must stop vouching for what it has not seen.
      await eventually(() => expect(checker.status.stale).toBe(true), 3_000);
      await expect(reader.tokens.parseToken(token)).rejects.toBeInstanceOf(TokenRevokedError);
      await sleep(200);
      await expect(reader.tokens.parseToken(token)).rejects.toBeInstanceOf(TokenRevokedError);
    } finally {
      servers.standbySql('SELECT pg_wal_replay_resume()');
    }
    await eventually(() => expect(checker.status.synced).toBe(true), 10_000);
    await expect(reader.tokens.parseToken(token)).rejects.toBeInstanceOf(TokenRevokedError);
  });
});
