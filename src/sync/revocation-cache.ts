import { TokenIdentity } from '../store/token-store.interface.js';

/** What a revocation notification names: all of one user's tokens, one token, or everything. */
export type Invalidation = { readonly userId: string } | { readonly jti: string } | { readonly all: true };

interface Verdict {
  readonly userId: string;
  readonly revoked: boolean;
  /** After this (epoch ms) the verdict is not used: a bound on staleness. */
  readonly freshUntil: number;
}

/**
 * This process's memory of revocation checks, so that a token seen recently
 * costs no database round trip. A verdict is only served while the cache is
 * `synced`, i.e. while the notification connection is known to be up and
 * every revocation since the cache was (re)started has reached it; anything
 * else goes to the database.
 *
 * Bounded: at most `maxEntries` verdicts, least recently stored dropped first.
 */
export class RevocationCache {
  private readonly verdicts = new Map<string, Verdict>();
  private readonly jtisByUser = new Map<string, Set<string>>();
  private synced = false;
  /**
   * Bumped by every invalidation. A check that started before an
   * invalidation may have read the database before the revocation committed;
   * its verdict is not stored.
   */
  private generation = 0;

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
    if (verdict.freshUntil <= this.now()) {
      this.forget(token.jti);
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
    this.forget(token.jti);
    this.verdicts.set(token.jti, { userId: token.userId, revoked, freshUntil: this.now() + this.maxAgeMs });
    let jtis = this.jtisByUser.get(token.userId);
    if (!jtis) this.jtisByUser.set(token.userId, (jtis = new Set()));
    jtis.add(token.jti);
    if (this.verdicts.size > this.maxEntries) this.forget(this.verdicts.keys().next().value!);
  }

  invalidate(target: Invalidation): void {
    this.generation++;
    if ('all' in target) {
      this.clear();
      return;
    }
    if ('jti' in target) {
      this.forget(target.jti);
      return;
    }
    for (const jti of this.jtisByUser.get(target.userId) ?? []) this.verdicts.delete(jti);
    this.jtisByUser.delete(target.userId);
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
    this.verdicts.clear();
    this.jtisByUser.clear();
  }

  private forget(jti: string): void {
    const verdict = this.verdicts.get(jti);
    if (!verdict) return;
    this.verdicts.delete(jti);
    const jtis = this.jtisByUser.get(verdict.userId);
    jtis?.delete(jti);
    if (jtis?.size === 0) this.jtisByUser.delete(verdict.userId);
  }
}
