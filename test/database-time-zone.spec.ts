import { TokenTrackingConfigurationError } from '../src/index.js';
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
  async function startOn(url: string): Promise<unknown> {
    const prisma = createPrismaClient(url, 2);
    try {
      const app = await startTokenTracking(prisma, {});
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
    expect((error as Error).message).toMatch(/is read as one 300 minutes later: .* its TimeZone, 'America\/New_York'\..*ALTER ROLE <role> SET TimeZone = 'UTC'/);
  });

  it('refuses a zone that is UTC in winter only', async () => {
    await db.query(`ALTER DATABASE ${new URL(db.url).pathname.slice(1)} SET TimeZone = 'Europe/London'`);
    const error = await startOn(db.url);
    expect(error).toBeInstanceOf(TokenTrackingConfigurationError);
    expect((error as Error).message).toMatch(/is read as one 60 minutes earlier: .*'Europe\/London'/);
  });

  it('starts with the fix it names, and stores the instant it was given', async () => {
    const url = new URL(db.url);
    url.searchParams.set('options', '-c TimeZone=UTC');
    const started = await startOn(url.toString());
    expect(started).toEqual({ storedAt: expect.any(Number), issuedAt: expect.any(Number) });
    const { storedAt, issuedAt } = started as { storedAt: number; issuedAt: number };
    expect(storedAt).toBe(issuedAt);
  });
});
