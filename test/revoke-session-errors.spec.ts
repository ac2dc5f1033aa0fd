import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import { createPrismaClient } from '../dev/prisma.js';
import { TokenStoreUnavailableError } from '../src/index.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking } from './support/token-tracking-app.js';

/** `url` with a server setting for every connection made through it (direct connections only). */
function withSetting(url: string, setting: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c ${setting}`)}`;
}

/**
 * A logout's revoking statement goes through the same classification as every
 * other store call: a lock it cannot get in time, or a database that refuses
 * writes (a hot standby), is an outage (503), never a bare 500.
 */
describe('revoking a session when the database cannot take the write', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await db?.dispose();
  });

  it('a lock_timeout while another transaction holds the session is STORE_UNAVAILABLE', async () => {
    const app = await startTokenTracking(createPrismaClient(withSetting(db.url, 'lock_timeout=100'), 2));
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      const { token, sessionId } = await app.tokens.generateToken('locked-user');
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM token_sessions WHERE session_id = $1 FOR UPDATE', [sessionId]);
      const error = await app.tokens.revokeToken(token).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TokenStoreUnavailableError);
      await holder.query('ROLLBACK');
      await expect(app.tokens.revokeToken(token)).resolves.toBeUndefined();
    } finally {
      await holder.end();
      await app.close();
    }
  });

  it('a read-only database (25006, a hot standby) is STORE_UNAVAILABLE', async () => {
    const writer = await startTokenTracking(db.prisma);
    const issued = await writer.tokens.generateToken('read-only-user');
    await writer.close();
    const app = await startTokenTracking(createPrismaClient(withSetting(db.url, 'default_transaction_read_only=on'), 2));
    try {
      const error = await app.tokens.revokeToken(issued.token).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TokenStoreUnavailableError);
    } finally {
      await app.close();
    }
  });
});
