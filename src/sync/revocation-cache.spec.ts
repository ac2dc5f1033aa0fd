import { RevocationCache } from './revocation-cache.js';
import { parseInvalidation } from './revocation-channel.js';

const token = (jti: string, userId = 'u1') => ({ jti, userId, issuedAt: new Date(0) });

describe('RevocationCache', () => {
  let now = 0;
  const cache = (maxEntries = 100, maxAgeMs = 60_000) => {
    const created = new RevocationCache(maxEntries, maxAgeMs, () => now);
    created.synchronize();
    return created;
  };

  beforeEach(() => {
    now = 1_000_000;
  });

  it('serves a remembered verdict, for the same user only', () => {
    const c = cache();
    c.remember(token('a'), false, c.begin());
    c.remember(token('b'), true, c.begin());
    expect(c.lookup(token('a'))).toBe(false);
    expect(c.lookup(token('b'))).toBe(true);
    expect(c.lookup(token('a', 'someone-else'))).toBeUndefined();
    expect(c.lookup(token('c'))).toBeUndefined();
  });

  it('serves nothing and remembers nothing while not synchronised', () => {
    const c = new RevocationCache(100, 60_000, () => now);
    c.remember(token('a'), false, c.begin());
    expect(c.lookup(token('a'))).toBeUndefined();
    c.synchronize();
    c.remember(token('a'), false, c.begin());
    c.desynchronize();
    expect(c.lookup(token('a'))).toBeUndefined();
    c.synchronize();
    expect(c.lookup(token('a'))).toBeUndefined();
  });

  it('does not store a verdict read before an invalidation that landed during the read', () => {
    const c = cache();
    const startedAt = c.begin();
    c.invalidate({ userId: 'u1' });
    c.remember(token('a'), false, startedAt);
    expect(c.lookup(token('a'))).toBeUndefined();
  });

  it('forgets all of a user\'s verdicts, one token, or everything', () => {
    const c = cache();
    for (const t of [token('a'), token('b'), token('c', 'u2'), token('d', 'u3')]) c.remember(t, false, c.begin());
    c.invalidate({ userId: 'u1' });
    expect([c.lookup(token('a')), c.lookup(token('b')), c.lookup(token('c', 'u2'))]).toEqual([undefined, undefined, false]);
    c.invalidate({ jti: 'c' });
    expect(c.lookup(token('c', 'u2'))).toBeUndefined();
    c.invalidate({ all: true });
    expect(c.lookup(token('d', 'u3'))).toBeUndefined();
  });

  it('re-checks a verdict once it is older than maxAge', () => {
    const c = cache(100, 5_000);
    c.remember(token('a'), false, c.begin());
    now += 4_999;
    expect(c.lookup(token('a'))).toBe(false);
    now += 1;
    expect(c.lookup(token('a'))).toBeUndefined();
  });

  it('never holds more than maxEntries verdicts, dropping the oldest', () => {
    const c = cache(1_000);
    for (let n = 0; n < 5_000; n++) c.remember(token(`t${n}`, `user${n % 7}`), false, c.begin());
    expect(c.size).toBe(1_000);
    expect(c.lookup(token('t3999', 'user2'))).toBeUndefined();
    expect(c.lookup(token('t4999', `user${4999 % 7}`))).toBe(false);
  });
});

describe('parseInvalidation', () => {
  it.each([
    ['{"u":"alice"}', { userId: 'alice' }],
    ['{"j":"abc"}', { jti: 'abc' }],
    ['not json', { all: true }],
    ['{"x":1}', { all: true }],
    [undefined, { all: true }],
  ])('reads %p as %p', (payload, expected) => {
    expect(parseInvalidation(payload)).toEqual(expected);
  });
});

describe('RevocationCache bounds', () => {
  it('never serves a stale verdict after forgetting the user it was invalidated for', () => {
    const c = new RevocationCache(2, 60_000, () => 0);
    c.synchronize();
    c.remember(token('a', 'victim'), false, c.begin());
    c.invalidate({ userId: 'victim' });
    // Two more invalidations push "victim" out of the bounded map.
    c.invalidate({ userId: 'other-1' });
    c.invalidate({ userId: 'other-2' });
    expect(c.lookup(token('a', 'victim'))).toBeUndefined();
  });
});
