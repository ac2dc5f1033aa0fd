import { performance } from 'node:perf_hooks';
import { RevocationReplica } from './revocation-replica.js';

const token = (jti: string, sessionId = jti, userId = 'u1', issuedAtMs = 1_000) => ({ jti, sessionId, userId, issuedAt: new Date(issuedAtMs) });

describe('RevocationReplica', () => {
  const loaded = (maxEntries = 100) => {
    const replica = new RevocationReplica(maxEntries, 10_000, 0);
    replica.beginLoad();
    replica.completeLoad();
    replica.freshAsOf(Number.POSITIVE_INFINITY);
    return replica;
  };

  it('answers nothing until loaded, then from memory', () => {
    const replica = new RevocationReplica(100, 10_000, 0);
    expect(replica.check(token('a'))).toBeUndefined();
    replica.beginLoad();
    replica.deny('a', 5_000);
    expect(replica.check(token('a'))).toBeUndefined();
    replica.completeLoad();
    // Loaded, but nothing has proved it current yet.
    expect(replica.check(token('a'))).toBe(true);
    expect(replica.check(token('b'))).toBeUndefined();
    replica.freshAsOf(performance.now() + 60_000);
    expect(replica.check(token('b'))).toBe(false);
  });

  it('once its last proof of freshness runs out, refuses what it holds and answers nothing else', async () => {
    const replica = loaded();
    replica.beginLoad();
    replica.deny('a', 5_000);
    replica.completeLoad();
    replica.freshAsOf(performance.now() + 20);
    expect(replica.check(token('b'))).toBe(false);
    expect(replica.synced).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(replica.check(token('a'))).toBe(true);
    expect(replica.check(token('b'))).toBeUndefined();
    expect(replica.synced).toBe(false);
    expect(replica.stale).toBe(true);
  });

  it('refuses a token by its jti, by its session id, or by its user\'s watermark', () => {
    const replica = loaded();
    replica.deny('revoked-jti', 5_000);
    replica.deny('revoked-session', 5_000);
    replica.raiseWatermark('u2', 2_000);
    expect(replica.check(token('revoked-jti', 'other-session'))).toBe(true);
    expect(replica.check(token('fresh-jti', 'revoked-session'))).toBe(true);
    expect(replica.check(token('x', 'x', 'u2', 1_999))).toBe(true);
    // Issued in the very millisecond of the revoke-all: taken as issued after it.
    expect(replica.check(token('y', 'y', 'u2', 2_000))).toBe(false);
    expect(replica.check(token('z', 'z', 'u3', 1))).toBe(false);
  });

  it('refuses an untracked token denied for its user only, and any user\'s when denied without one', () => {
    const replica = loaded();
    replica.deny('shared-jti', 5_000, 'u1');
    replica.deny('anyones-jti', 5_000, null);
    expect(replica.check(token('shared-jti', 'session-a', 'u1'))).toBe(true);
    expect(replica.check(token('shared-jti', 'session-b', 'u2'))).toBe(false);
    expect(replica.check(token('anyones-jti', 'session-c', 'u2'))).toBe(true);
  });

  it('stops answering when desynchronised, and forgets what it held', () => {
    const replica = loaded();
    replica.deny('a', 5_000);
    replica.desynchronize();
    expect(replica.check(token('a'))).toBeUndefined();
    expect(replica.size).toBe(0);
  });

  it('drops entries once the tokens they cover have expired', () => {
    const replica = loaded();
    replica.deny('short', 1_000);
    replica.deny('long', 9_000);
    replica.raiseWatermark('u1', 0);
    replica.removeExpired(5_000);
    expect(replica.check(token('short'))).toBe(false);
    expect(replica.check(token('long'))).toBe(true);
    replica.removeExpired(10_001);
    expect(replica.size).toBe(0);
  });

  it('past its bound, still refuses what it holds and asks the database for the rest', () => {
    const replica = loaded(3);
    replica.deny('a', 1_000);
    replica.deny('b', 1_000);
    replica.deny('c', 50_000);
    replica.deny('d', 50_000);
    expect(replica.overflowed).toBe(true);
    expect(replica.check(token('a'))).toBe(true);
    expect(replica.check(token('d'))).toBeUndefined();
    expect(replica.check(token('unknown'))).toBeUndefined();
    // Once expiries make room, the replica asks to be reloaded.
    expect(replica.removeExpired(2_000)).toBe(true);
  });
});
