import { TokenRevokedError } from '../src/index.js';
import { useTokenTracking } from './support/token-tracking-app.js';

/**
 * A user's sessions being used (their last use written in batches) while
 * they are revoked: the revocation must win every time. Last-use writes
 * skip rows a revocation holds and lock in one order, so they can neither
 * block nor deadlock it; a revocation that still loses a deadlock to
 * something else is retried, not reported as an outage.
 */
describe('revoking sessions while their last use is being written', () => {

  const fixture = useTokenTracking({ lastUsedIntervalSeconds: 1 });

  it('never fails a revocation, over many rounds of revocations racing last-use batches', async () => {
    const { tokens, store } = fixture.app;
    for (let round = 0; round < 40; round++) {
      const userId = `busy-user-${round}`;
      const issued = await Promise.all(Array.from({ length: 12 }, () => tokens.generateTokenPair(userId)));
      const sessionIds = issued.map((pair) => pair.sessionId);
      const uses = (order: string[]) => order.map((sessionId, n) => ({ sessionId, at: new Date(Date.now() + 1_000 + n) }));
      // Batches in both orders, as two instances' flushes would be, fired with the revocations.
      const writes = Array.from({ length: 6 }, (_, n) => store.recordActivity(uses(n % 2 ? [...sessionIds].reverse() : sessionIds)));
      const revocations = [
        tokens.revokeOtherUserSessions(userId, sessionIds[0]!),
        tokens.revokeUserSession(userId, sessionIds[0]!),
        tokens.revokeAllUserTokens(userId),
      ];
      const outcomes = await Promise.allSettled([...writes, ...revocations]);
      const failed = outcomes.filter((outcome) => outcome.status === 'rejected') as PromiseRejectedResult[];
      // revokeUserSession may find its session already revoked by revoke-others: a 409, never an outage.
      for (const failure of failed) expect((failure.reason as { code?: string }).code).toBe('ALREADY_REVOKED');
      expect(await tokens.getUserSessionCount(userId)).toBe(0);
      for (const pair of issued) {
        await expect(tokens.parseToken(pair.accessToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
      }
    }
  });
});
