import { jest } from '@jest/globals';
import { metrics } from '@opentelemetry/api';
import { RevocationChecker } from '../src/index.js';
import { TokenEventPublisher } from '../src/events/token-event-publisher.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking } from './support/token-tracking-app.js';

/**
 * `@opentelemetry/api` is installed (as in most applications, brought in by
 * some dependency) but no SDK is: nothing can be recorded, so the library
 * must not pay for recording on each request.
 */
describe('telemetry with the OpenTelemetry API but no SDK', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.dispose();
  });
  afterEach(() => jest.restoreAllMocks());

  it('neither times the revocation check nor listens to events', async () => {
    metrics.disable();
    const timed = jest.spyOn(RevocationChecker.prototype, 'onCheck');
    const observed = jest.spyOn(TokenEventPublisher.prototype, 'observe');
    const app = await startTokenTracking(db.prisma);
    try {
      const { token } = await app.tokens.generateToken('unobserved-user');
      await expect(app.tokens.parseToken(token)).resolves.toMatchObject({ userId: 'unobserved-user' });
      expect(timed).not.toHaveBeenCalled();
      expect(observed).not.toHaveBeenCalled();
    } finally {
      await app.close();
    }
  });
});
