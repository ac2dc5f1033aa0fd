import fc from 'fast-check';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDatabase, TestDatabase } from '../support/test-database.js';
import { startTokenTracking, TokenTrackingApp } from '../support/token-tracking-app.js';
import { RUNS, runParameters, settle, show, timeoutFor, TOKEN_REFUSAL_CODES } from './property-support.js';

/**
 * A session the service could start can be continued: if generateTokenPair
 * issued a pair for some data, refreshing it does not fail for the size of
 * the tokens (the data does not change on a refresh).
 */
const MAX_TOKEN_SIZE = 1_024;
/** A whole second, so that `iat` of tokens issued at `+ ms` has as many decimals as `ms` needs. */
const START = Date.UTC(2031, 0, 1);

describe('refreshing a pair whose tokens are near maxTokenSize', () => {
  let db: TestDatabase;
  let app: TokenTrackingApp;
  const clock = new ManualClock(START);

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTokenTracking(db.prisma, { clock: clock.now, maxTokenSize: MAX_TOKEN_SIZE });
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  /** The longest `blob` for which a pair issued now still fits, found by trying. */
  async function largestFittingBlob(user: string): Promise<number> {
    let low = 0;
    let high = MAX_TOKEN_SIZE;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      const outcome = await settle(() => app.tokens.generateTokenPair(user, { blob: 'x'.repeat(middle) }), ['INVALID_ARGUMENT'], 'generateTokenPair');
      if (outcome.ok) {
        await app.tokens.revokeToken(outcome.value.sessionId);
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return low;
  }

  // Regression (refresh grows the tokens; first tokens now leave TOKEN_SIZE_SLACK): iat is issuedAtMs / 1000, written with
  // as many decimals as the milliseconds need (…000 → no decimals, …120 → 2,
  // …123 → 3). A pair issued near maxTokenSize at a "round" millisecond is
  // refused at refresh with 401 TOKEN_TOO_LARGE whenever the refresh falls on
  // a millisecond with more digits: the session cannot be continued although
  // nothing the application controls changed.
  it('never fails with TOKEN_TOO_LARGE when the pair itself was issued', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 100, 120, 500),
        fc.integer({ min: 1, max: 86_400_000 }),
        async (issueMs, delayMs) => {
          const user = `user-${Math.random().toString(36).slice(2)}`;
          clock.advance(1_000 - (clock.now() % 1_000) + issueMs);
          const blob = await largestFittingBlob(user);
          const pair = await app.tokens.generateTokenPair(user, { blob: 'x'.repeat(blob) });
          clock.advance(delayMs);
          const refreshed = await settle(() => app.tokens.refresh(pair.refreshToken.token), TOKEN_REFUSAL_CODES, 'refresh');
          // At most a day later, within the refresh token's 30 days: any refusal is a failure.
          if (!refreshed.ok) {
            throw new Error(
              `a pair issued at …${show(issueMs)} ms with a ${blob}-character blob (refresh token ${pair.refreshToken.token.length} of ${MAX_TOKEN_SIZE}) ` +
                `could not be refreshed ${delayMs} ms later: ${refreshed.error.code}`,
            );
          }
        },
      ),
      runParameters({ numRuns: Math.min(RUNS, 20) }),
    );
  }, timeoutFor(200));
});
