import { randomBytes } from 'node:crypto';

/** Bytes per slot: a 64-bit fingerprint (two 32-bit halves) and a 64-bit float value. */
export const BYTES_PER_SLOT = 16;
const MIN_CAPACITY = 1 << 10;
/** The table grows once more than half of its slots are used: probes stay short. */
const MAX_LOAD = 0.5;

/**
 * A set of strings with a number each (an instant), held as 64-bit
 * fingerprints in one flat buffer: 16 bytes a slot, at most half of the
 * slots used (so 32 to 64 bytes an entry, depending on where the table is
 * between two doublings), nothing for the garbage collector to walk. Open addressing with
 * linear probing and backward-shift deletion (no tombstones).
 *
 * Two different strings share a fingerprint with probability 2^-64; the
 * fingerprint is keyed with random seeds chosen per process, so nobody can
 * choose strings that collide.
 */
export class FingerprintTable {
  private keys: Uint32Array;
  private values: Float64Array;
  private count = 0;

  constructor(private readonly seeds: FingerprintSeeds = randomSeeds()) {
    this.keys = new Uint32Array(MIN_CAPACITY * 2);
    this.values = new Float64Array(MIN_CAPACITY);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes of the buffers. */
  get byteLength(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  get(key: string): number | undefined {
    const [high, low] = fingerprint(key, this.seeds);
    const mask = this.values.length - 1;
    for (let slot = low & mask; ; slot = (slot + 1) & mask) {
      const slotHigh = this.keys[slot * 2]!;
      const slotLow = this.keys[slot * 2 + 1]!;
      if (slotHigh === 0 && slotLow === 0) return undefined;
      if (slotHigh === high && slotLow === low) return this.values[slot];
    }
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Sets the key's value to `merge(existing, value)` (or `value` when new). Returns true when the key is new. */
  set(key: string, value: number, merge: (existing: number, value: number) => number = Math.max): boolean {
    const [high, low] = fingerprint(key, this.seeds);
    const slot = this.findSlot(high, low);
    if (this.keys[slot * 2] !== 0 || this.keys[slot * 2 + 1] !== 0) {
      this.values[slot] = merge(this.values[slot]!, value);
      return false;
    }
    this.keys[slot * 2] = high;
    this.keys[slot * 2 + 1] = low;
    this.values[slot] = value;
    this.count++;
    if (this.count > this.values.length * MAX_LOAD) this.resize(this.values.length * 2);
    return true;
  }

  /** Removes every entry whose value satisfies `expired`; returns how many. */
  removeWhere(expired: (value: number) => boolean): number {
    let removed = 0;
    for (let slot = 0; slot < this.values.length; ) {
      const occupied = this.keys[slot * 2] !== 0 || this.keys[slot * 2 + 1] !== 0;
      if (occupied && expired(this.values[slot]!)) {
        this.deleteAt(slot);
        removed++;
        // The slot now holds an entry shifted back into it: look at it again.
      } else {
        slot++;
      }
    }
    if (this.values.length > MIN_CAPACITY && this.count < this.values.length * MAX_LOAD * 0.25) {
      this.resize(Math.max(MIN_CAPACITY, nextPowerOfTwo(Math.ceil(this.count / MAX_LOAD) * 2)));
    }
    return removed;
  }

  clear(): void {
    this.keys = new Uint32Array(MIN_CAPACITY * 2);
    this.values = new Float64Array(MIN_CAPACITY);
    this.count = 0;
  }

  private findSlot(high: number, low: number): number {
    const mask = this.values.length - 1;
    let slot = low & mask;
    for (;;) {
      const slotHigh = this.keys[slot * 2]!;
      const slotLow = this.keys[slot * 2 + 1]!;
      if ((slotHigh === 0 && slotLow === 0) || (slotHigh === high && slotLow === low)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** Knuth's algorithm R: pull later entries of the cluster back so that no probe sequence breaks. */
  private deleteAt(slot: number): void {
    const mask = this.values.length - 1;
    let hole = slot;
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const high = this.keys[next * 2]!;
      const low = this.keys[next * 2 + 1]!;
      if (high === 0 && low === 0) break;
      const home = low & mask;
      // Move the entry into the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!stays) {
        this.keys[hole * 2] = high;
        this.keys[hole * 2 + 1] = low;
        this.values[hole] = this.values[next]!;
        hole = next;
      }
    }
    this.keys[hole * 2] = 0;
    this.keys[hole * 2 + 1] = 0;
    this.values[hole] = 0;
    this.count--;
  }

  private resize(capacity: number): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Uint32Array(capacity * 2);
    this.values = new Float64Array(capacity);
    for (let slot = 0; slot < oldValues.length; slot++) {
      const high = oldKeys[slot * 2]!;
      const low = oldKeys[slot * 2 + 1]!;
      if (high === 0 && low === 0) continue;
      const target = this.findSlot(high, low);
      this.keys[target * 2] = high;
      this.keys[target * 2 + 1] = low;
      this.values[target] = oldValues[slot]!;
    }
  }
}

export interface FingerprintSeeds {
  readonly high: number;
  readonly low: number;
}

function randomSeeds(): FingerprintSeeds {
  const bytes = randomBytes(8);
  return { high: bytes.readUInt32LE(0), low: bytes.readUInt32LE(4) };
}

/**
 * Two independently seeded 32-bit MurmurHash3 (x86) digests of the UTF-16
 * code units: 64 bits. (0, 0) marks an empty slot, so it is never returned.
 */
export function fingerprint(key: string, seeds: FingerprintSeeds): [number, number] {
  const high = murmur3(key, seeds.high);
  const low = murmur3(key, seeds.low ^ 0x9e3779b9);
  return high === 0 && low === 0 ? [0, 1] : [high, low];
}

function murmur3(key: string, seed: number): number {
  let hash = seed >>> 0;
  const length = key.length;
  let index = 0;
  for (; index + 1 < length; index += 2) {
    let block = (key.charCodeAt(index) | (key.charCodeAt(index + 1) << 16)) >>> 0;
    block = Math.imul(block, 0xcc9e2d51);
    block = (block << 15) | (block >>> 17);
    block = Math.imul(block, 0x1b873593);
    hash ^= block;
    hash = (hash << 13) | (hash >>> 19);
    hash = (Math.imul(hash, 5) + 0xe6546b64) | 0;
  }
  if (index < length) {
    let block = key.charCodeAt(index);
    block = Math.imul(block, 0xcc9e2d51);
    block = (block << 15) | (block >>> 17);
    block = Math.imul(block, 0x1b873593);
    hash ^= block;
  }
  hash ^= length * 2;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

function nextPowerOfTwo(value: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, value)));
}
