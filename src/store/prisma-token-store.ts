import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { MaxSessionsExceededError } from '../errors/max-sessions-exceeded.error.js';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable.error.js';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { REVOCATION_CHANNEL } from '../sync/revocation-channel.js';
import { PrismaRawClient, PrismaTransactionOptions, TokenTrackingPrismaClient } from './prisma-client.interface.js';
import {
  IssuedTokenRecord,
  NewSession,
  PageRequest,
  PurgeOutcome,
  PurgeRequest,
  RevocationOutcome,
  RevocationRequest,
  RecordedSession,
  RevokedSessions,
  RotationOutcome,
  RotationRequest,
  SessionLimit,
  TokenIdentity,
  TokenStore,
} from './token-store.interface.js';
import { TokenUse, TrackedSession, TrackedToken } from './tracked-session.js';

/**
 * First key of every two-key advisory lock this store takes, so they cannot
 * collide with an application's own advisory locks. ("TTrk" in ASCII.)
 */
export const ADVISORY_LOCK_NAMESPACE = 0x5454726b;
/** Second key of the lock that lets one purge run at a time. */
const PURGE_LOCK_KEY = 0;

interface TokenRow {
  jti: string;
  user_id: string;
  session_id: string;
  token_use: string;
  issued_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
  client_ip: string | null;
  user_agent: string | null;
}

interface SessionRow {
  session_id: string;
  user_id: string;
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
  client_ip: string | null;
  user_agent: string | null;
}

interface PresentedTokenRow {
  user_id: string;
  session_id: string;
  revoked_at: Date | null;
  rotated_at: Date | null;
  expires_at: Date;
}

/**
 * `TokenStore` on PostgreSQL, through the application's Prisma client.
 *
 * Every write that can race with issuance (a new session against the cap, a
 * refresh against a revocation) runs in a transaction holding the user's
 * advisory lock, so the statements after it see everything committed by the
 * previous holder. A token is active while `revoked_at` and `rotated_at` are
 * null and `expires_at` is in the future.
 */
export class PrismaTokenStore implements TokenStore {
  constructor(
    private readonly prisma: TokenTrackingPrismaClient,
    private readonly transactionOptions: PrismaTransactionOptions = { maxWait: 10_000, timeout: 10_000 },
  ) {}

  async recordNewSession<T>(userId: string, build: () => NewSession<T>, limit: SessionLimit): Promise<RecordedSession<T>> {
    if (limit.maxSessions <= 0) {
      const session = build();
      await this.run(() => this.insertTokens(this.prisma, session.records));
      return { value: session.value, evictedSessionIds: [] };
    }
    if (limit.policy === 'reject') {
      const session = build();
      if (!(await this.insertBelowCap(session.records, limit.maxSessions))) throw new MaxSessionsExceededError();
      return { value: session.value, evictedSessionIds: [] };
    }
    return this.withUserLock(userId, async (tx) => {
      // Signed under the lock: the issue time is the recording order, so
      // "oldest" means the same thing to eviction and to the user.
      const session = build();
      const now = session.records[0]!.issuedAt;
      const evicted = await this.evictOldestSessions(tx, userId, limit.maxSessions, now);
      await this.insertTokens(tx, session.records);
      return { value: session.value, evictedSessionIds: evicted };
    });
  }

  async countActiveSessions(userId: string, now: Date): Promise<number> {
    const rows = await this.run(() => this.prisma.$queryRaw<{ count: number }[]>`
      SELECT count(DISTINCT session_id)::int AS count FROM issued_tokens
       WHERE user_id = ${userId} AND revoked_at IS NULL AND rotated_at IS NULL AND expires_at > ${now}`);
    return rows[0]?.count ?? 0;
  }

  async listActiveSessions(userId: string, now: Date, page?: PageRequest): Promise<TrackedSession[]> {
    const rows = await this.run(() => this.prisma.$queryRaw<SessionRow[]>`
      SELECT session_id, user_id,
             min(issued_at) AS created_at,
             max(expires_at) FILTER (WHERE revoked_at IS NULL AND rotated_at IS NULL) AS expires_at,
             max(last_used_at) AS last_used_at,
             (array_agg(client_ip ORDER BY issued_at DESC))[1] AS client_ip,
             (array_agg(user_agent ORDER BY issued_at DESC))[1] AS user_agent
        FROM issued_tokens
       WHERE user_id = ${userId}
         AND session_id IN (SELECT session_id FROM issued_tokens
                             WHERE user_id = ${userId} AND revoked_at IS NULL AND rotated_at IS NULL
                               AND expires_at > ${now})
       GROUP BY session_id, user_id
       ORDER BY created_at, session_id
       LIMIT ${page?.limit ?? null}::int OFFSET ${page?.offset ?? 0}::int`);
    return rows.map((row) => ({
      sessionId: row.session_id,
      userId: row.user_id,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      lastUsedAt: row.last_used_at,
      clientIp: row.client_ip,
      userAgent: row.user_agent,
    }));
  }

  async listActiveTokens(userId: string, now: Date): Promise<TrackedToken[]> {
    const rows = await this.run(() => this.prisma.$queryRaw<TokenRow[]>`
      SELECT jti, user_id, session_id, token_use, issued_at, expires_at, last_used_at, client_ip, user_agent
        FROM issued_tokens
       WHERE user_id = ${userId} AND revoked_at IS NULL AND rotated_at IS NULL AND expires_at > ${now}
       ORDER BY issued_at, jti`);
    return rows.map((row) => ({
      jti: row.jti,
      userId: row.user_id,
      sessionId: row.session_id,
      tokenUse: row.token_use as TokenUse,
      issuedAt: row.issued_at,
      expiresAt: row.expires_at,
      lastUsedAt: row.last_used_at,
      clientIp: row.client_ip,
      userAgent: row.user_agent,
    }));
  }

  async isRevoked(token: TokenIdentity): Promise<boolean> {
    const rows = await this.run(() => this.prisma.$queryRaw<{ revoked: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ${token.jti})
          OR EXISTS (SELECT 1 FROM user_token_watermarks
                      WHERE user_id = ${token.userId} AND revoked_before >= ${token.issuedAt}) AS revoked`);
    const row = rows[0];
    // No answer is not "not revoked": fail closed.
    if (!row) throw new TokenStoreUnavailableError();
    return row.revoked;
  }

  async revoke(request: RevocationRequest): Promise<RevocationOutcome> {
    const { jti, at, reason } = request;
    const tracked = await this.run(() => this.findToken(this.prisma, jti));
    if (tracked) {
      if (request.ownerUserId !== undefined && tracked.user_id !== request.ownerUserId) return { status: 'not-found' };
      const revoked = await this.withUserLock(tracked.user_id, async (tx) => {
        // Re-read under the lock: a concurrent revocation or rotation may have won.
        const current = await this.findToken(tx, jti);
        if (!current || current.revoked_at !== null) return null;
        if (current.expires_at.getTime() <= at.getTime()) return 'expired' as const;
        return this.revokeSessions(tx, current.user_id, [current.session_id], at, reason);
      });
      if (revoked === null) return { status: 'already-revoked' };
      if (revoked === 'expired') return { status: 'expired' };
      return { status: 'revoked', userId: tracked.user_id, sessionId: tracked.session_id };
    }
    if (request.ownerUserId !== undefined || !request.untracked) return { status: 'not-found' };
    return this.denyUntracked(jti, at, reason, request.untracked);
  }

  async revokeAllForUser(userId: string, at: Date, reason: string): Promise<RevokedSessions> {
    return this.withUserLock(userId, async (tx) => {
      // The watermark covers every token issued up to `at`, tracked or not,
      // so no deny-list entries are needed; marking the rows keeps counts
      // and listings exact.
      await tx.$executeRaw`
        INSERT INTO user_token_watermarks (user_id, revoked_before) VALUES (${userId}, ${at})
        ON CONFLICT (user_id) DO UPDATE
          SET revoked_before = GREATEST(user_token_watermarks.revoked_before, EXCLUDED.revoked_before)`;
      const rows = await tx.$queryRaw<{ session_id: string; was_active: boolean }[]>`
        UPDATE issued_tokens SET revoked_at = ${at}, revoked_reason = ${reason}
         WHERE user_id = ${userId} AND revoked_at IS NULL AND expires_at > ${at}
        RETURNING session_id, rotated_at IS NULL AS was_active`;
      await this.announce(tx, { u: userId });
      return { sessionIds: distinct(rows.filter((row) => row.was_active).map((row) => row.session_id)) };
    });
  }

  async revokeOtherSessions(userId: string, keepSessionId: string, at: Date, reason: string): Promise<RevokedSessions> {
    return this.withUserLock(userId, async (tx) => {
      const others = await tx.$queryRaw<{ session_id: string }[]>`
        SELECT DISTINCT session_id FROM issued_tokens
         WHERE user_id = ${userId} AND session_id <> ${keepSessionId}
           AND revoked_at IS NULL AND rotated_at IS NULL AND expires_at > ${at}`;
      const sessionIds = others.map((row) => row.session_id);
      if (sessionIds.length > 0) await this.revokeSessions(tx, userId, sessionIds, at, reason);
      return { sessionIds };
    });
  }

  async rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome> {
    const { presented, next, now, graceMs } = request;
    return this.withUserLock(presented.userId, async (tx): Promise<RotationOutcome> => {
      const current = await this.findToken(tx, presented.jti);
      if (!current || current.user_id !== presented.userId) return { status: 'not-found' };
      if (current.revoked_at !== null) return { status: 'revoked' };
      const sessionId = current.session_id;
      if (current.rotated_at === null) {
        await tx.$executeRaw`UPDATE issued_tokens SET rotated_at = ${now} WHERE jti = ${presented.jti}`;
        await this.insertTokens(tx, next);
        return { status: 'rotated', sessionId };
      }
      if (now.getTime() - current.rotated_at.getTime() <= graceMs) {
        await this.insertTokens(tx, next);
        return { status: 'grace', sessionId };
      }
      // An exchanged refresh token came back after the grace period: someone
      // holds a copy. End the session for both holders.
      await this.revokeSessions(tx, presented.userId, [sessionId], now, 'refresh-token-reuse');
      return { status: 'reused', sessionId };
    });
  }

  async recordLastUsed(uses: ReadonlyArray<{ readonly jti: string; readonly at: Date }>): Promise<void> {
    if (uses.length === 0) return;
    await this.run(() => this.prisma.$executeRaw`
      UPDATE issued_tokens AS t SET last_used_at = u.at
        FROM unnest(${uses.map((use) => use.jti)}::varchar[], ${uses.map((use) => use.at)}::timestamptz[]) AS u(jti, at)
       WHERE t.jti = u.jti AND (t.last_used_at IS NULL OR t.last_used_at < u.at)`);
  }

  async purgeExpired(request: PurgeRequest): Promise<PurgeOutcome> {
    const deadline = Date.now() + request.maxDurationMs;
    // The lock lives in a transaction that does nothing else: it is held by
    // one connection for the whole run and released by commit, or by the
    // server if this process dies. The batches run outside it and commit
    // one by one, so no row stays locked for long and a crash loses nothing.
    // Each batch finds its rows on the expiry index and deletes them by
    // physical address (ctid), which is about ten times faster than a join
    // on the primary key; a row updated meanwhile has moved and is left for
    // the next run.
    return this.run(() => this.prisma.$transaction(async (lockHolder: PrismaRawClient): Promise<PurgeOutcome> => {
      const [lock] = await lockHolder.$queryRaw<{ acquired: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(${ADVISORY_LOCK_NAMESPACE}::int, ${PURGE_LOCK_KEY}::int) AS acquired`;
      if (!lock?.acquired) return { status: 'skipped' };
      // The lock statement's portal stays open until the next statement and
      // keeps its snapshot, holding back the xmin horizon: deleted rows could
      // not be marked dead in the index, and every batch would rescan all the
      // rows deleted before it (1M rows: 12 s instead of 2 s). A snapshot-free
      // statement closes it.
      await lockHolder.$queryRaw`SELECT 1 AS portal_closed`;
      const totals = { tokens: 0, revocations: 0, watermarks: 0 };
      /** Deletes batches until one comes back short; false when time ran out first. */
      const drain = async (key: keyof typeof totals, deleteBatch: () => PromiseLike<number>): Promise<boolean> => {
        for (;;) {
          if (Date.now() >= deadline) return false;
          const deleted = await deleteBatch();
          totals[key] += deleted;
          if (deleted < request.batchSize) return true;
        }
      };
      const finished =
        (await drain('tokens', () => this.prisma.$executeRaw`
        DELETE FROM issued_tokens WHERE ctid = ANY(ARRAY(
          SELECT ctid FROM issued_tokens WHERE expires_at <= ${request.tokensExpiredBy}
           ORDER BY expires_at LIMIT ${request.batchSize}::int))`)) &&
        (await drain('revocations', () => this.prisma.$executeRaw`
        DELETE FROM revoked_tokens WHERE ctid = ANY(ARRAY(
          SELECT ctid FROM revoked_tokens WHERE expires_at <= ${request.revocationsExpiredBy}
           ORDER BY expires_at LIMIT ${request.batchSize}::int))`)) &&
        (await drain('watermarks', () => this.prisma.$executeRaw`
        DELETE FROM user_token_watermarks WHERE user_id IN (
          SELECT user_id FROM user_token_watermarks WHERE revoked_before <= ${request.watermarksSetBy}
           LIMIT ${request.batchSize}::int)`));
      return { status: finished ? 'done' : 'time-limit', ...totals };
    }, { maxWait: this.transactionOptions.maxWait, timeout: request.maxDurationMs + 60_000 }));
  }

  /** Runs `work` in a transaction holding the user's advisory lock. */
  private withUserLock<T>(userId: string, work: (tx: PrismaRawClient) => Promise<T>): Promise<T> {
    return this.run(() => this.prisma.$transaction(async (tx: PrismaRawClient) => {
      await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(${ADVISORY_LOCK_NAMESPACE}::int, hashtext(${userId}))`;
      return work(tx);
    }, this.transactionOptions));
  }

  /** Inserts the tokens in one statement. */
  private async insertTokens(client: PrismaRawClient, tokens: readonly IssuedTokenRecord[]): Promise<void> {
    await client.$executeRaw`
      INSERT INTO issued_tokens (jti, user_id, session_id, token_use, issued_at, expires_at, client_ip, user_agent)
      SELECT * FROM unnest(
        ${tokens.map((t) => t.jti)}::varchar[], ${tokens.map((t) => t.userId)}::varchar[],
        ${tokens.map((t) => t.sessionId)}::varchar[], ${tokens.map((t) => t.tokenUse)}::varchar[],
        ${tokens.map((t) => t.issuedAt)}::timestamptz[], ${tokens.map((t) => t.expiresAt)}::timestamptz[],
        ${tokens.map((t) => t.clientIp)}::varchar[], ${tokens.map((t) => t.userAgent)}::varchar[])`;
  }

  /**
   * Lock, count and insert in one round trip, through the function of the
   * `session_cap_function` migration (see its comment for why it is atomic).
   */
  private async insertBelowCap(tokens: readonly IssuedTokenRecord[], maxSessions: number): Promise<boolean> {
    const first = tokens[0]!;
    try {
      const rows = await this.prisma.$queryRaw<{ inserted: boolean }[]>`
        SELECT token_tracking_insert_below_cap(
          ${first.userId}::varchar, ${maxSessions}::int, ${first.issuedAt}::timestamptz,
          ${tokens.map((t) => t.jti)}::varchar[], ${tokens.map((t) => t.sessionId)}::varchar[],
          ${tokens.map((t) => t.tokenUse)}::varchar[], ${tokens.map((t) => t.issuedAt)}::timestamptz[],
          ${tokens.map((t) => t.expiresAt)}::timestamptz[], ${tokens.map((t) => t.clientIp)}::varchar[],
          ${tokens.map((t) => t.userAgent)}::varchar[]) AS inserted`;
      return rows[0]?.inserted === true;
    } catch (error) {
      if (/token_tracking_insert_below_cap.*does not exist/s.test(String((error as Error)?.message))) {
        throw new TokenTrackingConfigurationError(
          'the database lacks the function token_tracking_insert_below_cap: apply every migration in prisma/migrations (prisma migrate deploy)',
        );
      }
      throw new TokenStoreUnavailableError({ cause: error });
    }
  }

  /** Revokes the oldest active sessions so one more fits under the cap. */
  private async evictOldestSessions(tx: PrismaRawClient, userId: string, maxSessions: number, now: Date): Promise<string[]> {
    const victims = await tx.$queryRaw<{ session_id: string }[]>`
      WITH active AS (
        SELECT session_id, min(issued_at) AS started FROM issued_tokens
         WHERE user_id = ${userId} AND revoked_at IS NULL AND rotated_at IS NULL AND expires_at > ${now}
         GROUP BY session_id
      )
      SELECT session_id FROM active ORDER BY started, session_id
       LIMIT GREATEST((SELECT count(*) FROM active) - ${maxSessions}::int + 1, 0)`;
    const sessionIds = victims.map((row) => row.session_id);
    if (sessionIds.length > 0) await this.revokeSessions(tx, userId, sessionIds, now, 'evicted');
    return sessionIds;
  }

  /**
   * Marks every token of the user's sessions revoked, deny-lists those that
   * can still be presented, and announces it to every instance's cache.
   */
  private async revokeSessions(
    tx: PrismaRawClient,
    userId: string,
    sessionIds: readonly string[],
    at: Date,
    reason: string,
  ): Promise<number> {
    // `denied` runs although nothing reads it: data-modifying CTEs always do.
    const rows = await tx.$queryRaw<{ revoked: number }[]>`
      WITH revoked AS (
        UPDATE issued_tokens SET revoked_at = ${at}, revoked_reason = ${reason}
         WHERE session_id = ANY(${sessionIds}::varchar[]) AND revoked_at IS NULL
        RETURNING jti, user_id, expires_at
      ), denied AS (
        INSERT INTO revoked_tokens (jti, user_id, expires_at, revoked_at, reason)
        SELECT jti, user_id, expires_at, ${at}, ${reason} FROM revoked WHERE expires_at > ${at}
        ON CONFLICT (jti) DO NOTHING
        RETURNING 1
      )
      SELECT count(*)::int AS revoked FROM revoked`;
    await this.announce(tx, { u: userId });
    return rows[0]?.revoked ?? 0;
  }

  /**
   * NOTIFY in the revoking transaction: delivered to every listening
   * instance if, and only when, the revocation commits.
   */
  private async announce(tx: PrismaRawClient, target: { u: string } | { j: string }): Promise<void> {
    await tx.$queryRaw`SELECT 1 AS notified FROM pg_notify(${REVOCATION_CHANNEL}, ${JSON.stringify(target)})`;
  }

  /**
   * Deny-lists a token that was never tracked, unless a deny-list entry or
   * the user's watermark already covers it. Whoever inserts the entry did
   * the revocation; a concurrent or repeated call reports "already revoked".
   */
  private async denyUntracked(
    jti: string,
    at: Date,
    reason: string,
    token: NonNullable<RevocationRequest['untracked']>,
  ): Promise<RevocationOutcome> {
    if (token.expiresAt.getTime() <= at.getTime()) return { status: 'expired' };
    const userId = token.userId ?? null;
    const rows = await this.run(() => this.prisma.$queryRaw<{ inserted: boolean }[]>`
      WITH covered AS (
        SELECT EXISTS (SELECT 1 FROM user_token_watermarks
                        WHERE user_id = ${userId}::varchar AND revoked_before >= ${token.issuedAt ?? null}::timestamptz) AS yes
      ), inserted AS (
        INSERT INTO revoked_tokens (jti, user_id, expires_at, revoked_at, reason)
        SELECT ${jti}, ${userId}::varchar, ${token.expiresAt}, ${at}, ${reason} FROM covered WHERE NOT covered.yes
        ON CONFLICT (jti) DO NOTHING
        RETURNING 1
      )
      SELECT EXISTS (SELECT 1 FROM inserted) AS inserted,
             (SELECT 1 FROM pg_notify(${REVOCATION_CHANNEL}, ${JSON.stringify(userId === null ? { j: jti } : { u: userId })})) AS notified`);
    if (rows[0]?.inserted) return { status: 'revoked', userId, sessionId: null };
    return { status: 'already-revoked' };
  }

  /**
   * The token with this jti or, failing that, the most telling token of the
   * session with this id (an unrevoked one if any), so sessions can be named
   * by either.
   */
  private async findToken(client: PrismaRawClient, jtiOrSessionId: string): Promise<PresentedTokenRow | null> {
    const rows = await client.$queryRaw<PresentedTokenRow[]>`
      SELECT user_id, session_id, revoked_at, rotated_at, expires_at FROM issued_tokens
       WHERE jti = ${jtiOrSessionId} OR session_id = ${jtiOrSessionId}
       ORDER BY jti = ${jtiOrSessionId} DESC, revoked_at IS NULL DESC, expires_at DESC
       LIMIT 1`;
    return rows[0] ?? null;
  }

  /** Lets the library's own errors through; any other failure fails closed. */
  private async run<T>(operation: () => PromiseLike<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof TokenTrackingError) throw error;
      throw new TokenStoreUnavailableError({ cause: error });
    }
  }
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}
