import { TokenIdentity } from '../store/token-store.interface.js';

/** What a revocation notification names: all of one user's tokens, one token, or everything. */
export type Invalidation = { readonly userId: string } | { readonly jti: string } | { readonly all: true };

interface Verdict {
  readonly userId: string;
  readonly revoked: boolean;
  /** After this (epoch ms) the verdict is not used: a bound on staleness. */
  readonly freshUntil: number;
  /** The cache generation when the verdict was stored. */
  readonly generation: number;
}

/**
 * This process's memory of revocation checks, so that a token seen recently
 * costs no database round trip. A verdict is only served while the cache is
 * `synced`, i.e. while the notification connection is known to be up and
 * every revocation since the cache was (re)started has reached it; anything
 * else goes to the database.
 *
 * Invalidating a user does not walk their verdicts: it records the
 * generation at which the user was invalidated, and older verdicts of that
 * user are ignored from then on.
 *
 * Bounded: at most `maxEntries` verdicts and `maxEntries` invalidated users,
 * least recently stored dropped first. Dropping an invalidated user raises
 * the floor below which every verdict is ignored, so forgetting never makes
 * a stale verdict usable again.
 */
export class RevocationCache {
  private readonly verdicts = new Map<string, Verdict>();
  private readonly userInvalidatedAt = new Map<string, number>();
  private synced = false;
  /**
   * Bumped by every invalidation. A check that started before an
   * invalidation may have read the database before the revocation committed;
   * its verdict is not stored.
   */
  private generation = 0;
  /** Verdicts stored before this generation are ignored. */
  private floor = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number,
  ) {}

  get isSynced(): boolean {
    return this.synced;
  }

  get size(): number {
    return this.verdicts.size;
  }

  /** The remembered verdict, or undefined when the database must be asked. */
  lookup(token: TokenIdentity): boolean | undefined {
    if (!this.synced) return undefined;
    const verdict = this.verdicts.get(token.jti);
    if (!verdict || verdict.userId !== token.userId) return undefined;
    if (
      verdict.freshUntil <= this.now() ||
      verdict.generation < this.floor ||
      verdict.generation < (this.userInvalidatedAt.get(verdict.userId) ?? 0)
    ) {
      this.verdicts.delete(token.jti);
      return undefined;
    }
    return verdict.revoked;
  }

  /** Marks the start of a database check; pass the result to `remember`. */
  begin(): number {
    return this.generation;
  }

  remember(token: TokenIdentity, revoked: boolean, startedAt: number): void {
    if (!this.synced || startedAt !== this.generation) return;
    this.verdicts.delete(token.jti);
    this.verdicts.set(token.jti, {
      userId: token.userId,
      revoked,
      freshUntil: this.now() + this.maxAgeMs,
      generation: this.generation,
    });
    if (this.verdicts.size > this.maxEntries) this.verdicts.delete(this.verdicts.keys().next().value!);
  }

  invalidate(target: Invalidation): void {
    this.generation++;
    if ('all' in target) {
      this.clear();
    } else if ('jti' in target) {
      this.verdicts.delete(target.jti);
    } else {
      this.userInvalidatedAt.delete(target.userId);
      this.userInvalidatedAt.set(target.userId, this.generation);
      if (this.userInvalidatedAt.size > this.maxEntries) {
        const [oldestUser, invalidatedAt] = this.userInvalidatedAt.entries().next().value!;
        this.userInvalidatedAt.delete(oldestUser);
        this.floor = Math.max(this.floor, invalidatedAt);
      }
    }
  }

  /** Notifications may have been missed: forget everything and stop serving. */
  desynchronize(): void {
    this.synced = false;
    this.clear();
  }

  /** Call once notifications are flowing again; starts from an empty cache. */
  synchronize(): void {
    this.clear();
    this.synced = true;
  }

  private clear(): void {
    this.generation++;
    this.floor = this.generation;
    this.verdicts.clear();
    this.userInvalidatedAt.clear();
  }
}
