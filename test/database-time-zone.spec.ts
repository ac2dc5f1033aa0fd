import { TokenTrackingConfigurationError, TokenTrackingModuleOptions } from '../src/index.js';
import { createPrismaClient } from '../dev/prisma.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking } from './support/token-tracking-app.js';

/**
 * Prisma's pg adapter sends a Date as UTC wall time with no zone, which
 * PostgreSQL reads in the session's TimeZone. The module refuses to start
 * where that would shift every time it writes or compares.
 */
describe('a database whose session TimeZone is not UTC', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.dispose();
  });

  /** Starts the module on a new client (new connections see the database's settings), and stops it. */
  async function startOn(url: string, overrides: Partial<TokenTrackingModuleOptions> = {}): Promise<unknown> {
    const prisma = createPrismaClient(url, 2);
    try {
      const app = await startTokenTracking(prisma, overrides);
      const login = await app.tokens.generateToken('time-zone-user');
      const [row] = await db.query<{ created_at: Date }>('SELECT created_at FROM token_sessions WHERE session_id = $1', [login.sessionId]);
      await app.close();
      return { storedAt: row!.created_at.getTime(), issuedAt: login.issuedAt.getTime() };
    } catch (error) {
      return error;
    } finally {
      await prisma.$disconnect();
    }
  }

  it('refuses to start, saying by how much times would be off and how to set UTC', async () => {
    await db.query(`ALTER DATABASE ${new URL(db.url).pathname.slice(1)} SET TimeZone = 'America/New_York'`);
    const error = await startOn(db.url);
    expect(error).toBeInstanceOf(TokenTrackingConfigurationError);
    expect((error as Error).message).toMatch(/^TokenTrackingModule: the Prisma client: a time sent through it is read by PostgreSQL as one up to 300 minutes later .*TimeZone is 'America\/New_York'\..*options=-c%20TimeZone%3DUTC.*ALTER ROLE "\w+" SET TimeZone = 'UTC'/);
  });

  it('refuses a zone that is UTC in winter only', async () => {
    await db.query(`ALTER DATABASE ${new URL(db.url).pathname.slice(1)} SET TimeZone = 'Europe/London'`);
    const error = await startOn(db.url);
    expect(error).toBeInstanceOf(TokenTrackingConfigurationError);
    expect((error as Error).message).toMatch(/up to 60 minutes earlier .*'Europe\/London'/);
  });

  it('starts with the fix it names, and stores the instant it was given', async () => {
    const url = new URL(db.url);
    url.searchParams.set('options', '-c TimeZone=UTC');
    const started = await startOn(url.toString());
    expect(started).toEqual({ storedAt: expect.any(Number), issuedAt: expect.any(Number) });
    const { storedAt, issuedAt } = started as { storedAt: number; issuedAt: number };
    expect(storedAt).toBe(issuedAt);
  });

  it('refuses a revocationReplica.readFrom client whose sessions read times in another zone: the replica would miss revocations', async () => {
    const primary = new URL(db.url);
    primary.searchParams.set('options', '-c TimeZone=UTC');
    const standby = new URL(db.url);
    standby.searchParams.set('options', '-c TimeZone=America/Los_Angeles');
    const readFrom = createPrismaClient(standby.toString(), 1);
    try {
      const error = await startOn(primary.toString(), { revocationReplica: { readFrom } });
      expect(error).toBeInstanceOf(TokenTrackingConfigurationError);
      expect((error as Error).message).toMatch(/^TokenTrackingModule: revocationReplica\.readFrom: .*up to 480 minutes later .*'America\/Los_Angeles'/);
    } finally {
      await readFrom.$disconnect();
    }
  });

  it('refuses a session whose times the client cannot read back (a DateStyle the driver does not parse)', async () => {
    const url = new URL(db.url);
    url.searchParams.set('options', '-c TimeZone=UTC -c DateStyle=SQL,DMY');
    const error = await startOn(url.toString());
    expect(error).toBeInstanceOf(TokenTrackingConfigurationError);
    expect((error as Error).message).toMatch(/the Prisma client: a time PostgreSQL sends is read by the client as (an invalid date|one \d+ minutes off) \(check the session's TimeZone and DateStyle\)/);
  });
});
