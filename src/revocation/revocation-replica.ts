import { performance } from 'node:perf_hooks';
import { TokenIdentity } from '../store/token-store.interface.js';
import { FingerprintTable } from './fingerprint-table.js';

/** What the replica knows about a token: revoked, not revoked, or "ask the database". */
export type ReplicaVerdict = boolean | undefined;

/**
 * This instance's copy of the revocation state: the unexpired deny-list
 * (revoked session ids and untracked tokens' jtis, each with the instant
 * its last token expires) and the users' revoke-all watermarks. Answers
 * only while `synced` (loaded and following every change); a revoked token
 * is refused whatever the state.
 *
 * Bounded by `maxEntries`. Past the bound it keeps what it has, records that
 * it is incomplete, and answers "ask the database" for every token it does
 * not hold, until expiries bring it back under the bound and it is reloaded.
 */
export class RevocationReplica {
  private denied = new FingerprintTable();
  private watermarks = new FingerprintTable();
  private state: 'unsynced' | 'synced' | 'overflowed' = 'unsynced';
  /** Reads still proving that every revocation made before a stall has been applied. */
  private fences = 0;
  /** Until when (performance.now()) the last proof of freshness holds. */
  private freshUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly maxEntries: number,
    /** How long after `revokedBefore` a watermark can still matter: the longest token lifetime plus the clock tolerance. */
    private readonly watermarkLifetimeMs: number,
    /** How long after its expiry a token can still be accepted: the clock tolerance. */
    private readonly toleranceMs: number,
    /** True while notifications may be waiting unread (the event loop is stalled). */
    private readonly stalled: () => boolean = () => false,
  ) {}

  /** Loaded, following every change, and proved fresh recently enough. */
  get synced(): boolean {
    return this.state === 'synced' && this.fresh;
  }

  /** Loaded, but not proved fresh recently enough: answers only "revoked". */
  get stale(): boolean {
    return this.state !== 'unsynced' && !this.fresh;
  }

  get overflowed(): boolean {
    return this.state === 'overflowed';
  }

  get size(): number {
    return this.denied.size + this.watermarks.size;
  }

  get byteLength(): number {
    return this.denied.byteLength + this.watermarks.byteLength;
  }

  check(token: TokenIdentity): ReplicaVerdict {
    if (this.state === 'unsynced') return undefined;
    if (
      this.denied.has(token.sessionId) ||
      (token.sessionId !== token.jti && this.denied.has(token.jti)) ||
      this.denied.has(userScoped(token.userId, token.jti))
    ) {
      return true;
    }
    const watermark = this.watermarks.get(token.userId);
    // A token issued in the very millisecond of a revoke-all is taken as issued after it.
    if (watermark !== undefined && watermark > token.issuedAt.getTime()) return true;
    // "Not revoked" needs every notification applied: not while one may be waiting unread.
    return this.state === 'synced' && this.fences === 0 && this.fresh && !this.stalled() ? false : undefined;
  }

  /** Everything revoked before the moment this proof was taken is held, until `untilMs` (performance.now()). */
  freshAsOf(untilMs: number): void {
    this.freshUntil = Math.max(this.freshUntil, untilMs);
  }

  private get fresh(): boolean {
    return performance.now() <= this.freshUntil;
  }

  /** Until `unfence`, answer "not revoked" from nothing (revoked is still revoked). */
  fence(): void {
    this.fences++;
  }

  unfence(): void {
    this.fences = Math.max(0, this.fences - 1);
  }

  /** A revoked session id, or an untracked token's jti (of `userId`'s token only, when given). */
  deny(id: string, expiresAtMs: number, userId?: string | null): void {
    const key = userId ? userScoped(userId, id) : id;
    if (this.isFull() && !this.denied.has(key)) {
      this.state = this.state === 'unsynced' ? 'unsynced' : 'overflowed';
      return;
    }
    this.denied.set(key, expiresAtMs);
  }

  raiseWatermark(userId: string, revokedBeforeMs: number): void {
    if (this.isFull() && !this.watermarks.has(userId)) {
      this.state = this.state === 'unsynced' ? 'unsynced' : 'overflowed';
      return;
    }
    this.watermarks.set(userId, revokedBeforeMs);
  }

  /**
   * Starts a reload: everything is dropped and nothing is answered until
   * `completeLoad`. Changes announced while loading are applied as they come
   * (applying an entry twice is harmless).
   */
  beginLoad(): void {
    this.state = 'unsynced';
    this.freshUntil = Number.NEGATIVE_INFINITY;
    this.denied = new FingerprintTable();
    this.watermarks = new FingerprintTable();
  }

  /** The snapshot and every change since it are in: answer from memory (or, over the bound, partly). */
  completeLoad(): void {
    this.state = this.isFull() ? 'overflowed' : 'synced';
  }

  /** Changes may have been missed: answer nothing until reloaded. */
  desynchronize(): void {
    this.state = 'unsynced';
    this.freshUntil = Number.NEGATIVE_INFINITY;
    this.denied.clear();
    this.watermarks.clear();
  }

  /** Drops entries that can no longer matter. Returns true when an overflowed replica has room again and should be reloaded. */
  removeExpired(nowMs: number): boolean {
    this.denied.removeWhere((expiresAtMs) => expiresAtMs + this.toleranceMs < nowMs);
    this.watermarks.removeWhere((revokedBeforeMs) => revokedBeforeMs + this.watermarkLifetimeMs < nowMs);
    return this.state === 'overflowed' && this.size < this.maxEntries * 0.9;
  }

  private isFull(): boolean {
    return this.size >= this.maxEntries;
  }
}

/** The key of a token's deny-list entry that belongs to one user (user ids never contain U+0000). */
function userScoped(userId: string, jti: string): string {
  return `${userId}\u0000${jti}`;
}
