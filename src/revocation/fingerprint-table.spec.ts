import { parseRevocationAnnouncement } from '../store/revocation-announcements.js';
import { BYTES_PER_SLOT, FingerprintTable } from './fingerprint-table.js';

describe('FingerprintTable', () => {
  it('holds a value per key and merges repeated sets with max by default', () => {
    const table = new FingerprintTable();
    expect(table.set('a', 10)).toBe(true);
    expect(table.set('a', 5)).toBe(false);
    expect(table.set('b', 7)).toBe(true);
    expect([table.get('a'), table.get('b'), table.get('c')]).toEqual([10, 7, undefined]);
    expect(table.has('a')).toBe(true);
    expect(table.size).toBe(2);
  });

  it('agrees with a Map through a long random sequence of sets, removals and growth', () => {
    const table = new FingerprintTable();
    const reference = new Map<string, number>();
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let round = 0; round < 20; round++) {
      for (let n = 0; n < 5_000; n++) {
        const key = `k${Math.floor(random() * 30_000)}`;
        const value = Math.floor(random() * 1_000);
        table.set(key, value);
        reference.set(key, Math.max(reference.get(key) ?? -Infinity, value));
      }
      const threshold = Math.floor(random() * 1_000);
      const removed = table.removeWhere((value) => value < threshold);
      let expectedRemoved = 0;
      for (const [key, value] of reference) {
        if (value < threshold) {
          reference.delete(key);
          expectedRemoved++;
        }
      }
      expect(removed).toBe(expectedRemoved);
      expect(table.size).toBe(reference.size);
    }
    for (const [key, value] of reference) expect(table.get(key)).toBe(value);
    for (let n = 0; n < 30_000; n++) expect(table.has(`k${n}`)).toBe(reference.has(`k${n}`));
  });

  it('costs 32 to 64 bytes an entry (16-byte slots, at most half of them used)', () => {
    const table = new FingerprintTable();
    for (let n = 1; n <= 300_000; n++) {
      table.set(`jti-${n}`, n);
      if (n % 10_000 === 0) {
        expect(table.byteLength / table.size).toBeLessThanOrEqual(4 * BYTES_PER_SLOT);
        expect(table.byteLength / table.size).toBeGreaterThanOrEqual(2 * BYTES_PER_SLOT);
      }
    }
  });

  it('treats keys that differ only in unusual characters as different', () => {
    const table = new FingerprintTable();
    const keys = ['a\uD800', 'a\uDC00', 'a\uFFFD', 'a', 'a\u0000', '\u0000a', 'é', 'e\u0301'];
    keys.forEach((key, index) => table.set(key, index));
    keys.forEach((key, index) => expect(table.get(key)).toBe(index));
  });
});

describe('parseRevocationAnnouncement', () => {
  it.each([
    ['{"r":[["s1",1700000000000],["j2",1700000000001]]}', { kind: 'denied', entries: [['s1', 1700000000000], ['j2', 1700000000001]] }],
    ['{"r" : [["s1", 5]]}', { kind: 'denied', entries: [['s1', 5]] }],
    ['{"r":[["j1",5,"alice"]]}', { kind: 'denied', entries: [['j1', 5, 'alice']] }],
    ['{"r":[["j1",5,7]]}', { kind: 'unreadable' }],
    ['{"w":["alice",1700000000000]}', { kind: 'watermark', userId: 'alice', revokedBeforeMs: 1700000000000 }],
    ['not json', { kind: 'unreadable' }],
    ['{"r":[["s1"]]}', { kind: 'unreadable' }],
    ['{"r":[[1,2]]}', { kind: 'unreadable' }],
    ['{"w":["alice"]}', { kind: 'unreadable' }],
    ['{"u":"alice"}', { kind: 'unreadable' }],
    [undefined, { kind: 'unreadable' }],
  ])('reads %p', (payload, expected) => {
    expect(parseRevocationAnnouncement(payload)).toEqual(expected);
  });
});
