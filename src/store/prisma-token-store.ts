import { MaxSessionsExceededError } from '../errors/max-sessions-exceeded.error.js';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable.error.js';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { PrismaRawClient, TokenTrackingPrismaClient } from './prisma-client.interface.js';
import {
  IssuedTokenRecord,
  PageRequest,
  RevocationOutcome,
  RevocationRequest,
  SessionLimit,
  TokenIdentity,
  TokenStore,
} from './token-store.interface.js';
import { TrackedSession } from './tracked-session.js';

/**
 * First key of the two-key advisory locks taken per user while enforcing the
 * cap, so they cannot collide with an application's own advisory locks that
 * use the single-bigint form or another namespace. ("TTrk" in ASCII.)
 */
export const SESSION_CAP_LOCK_NAMESPACE = 0x5454726b;

interface SessionRow {
  jti: string;
  user_id: string;
  issued_at: Date;
  expires_at: Date;
  client_ip: string | null;
  user_agent: string | null;
}

/** `TokenStore` on PostgreSQL, through the application's Prisma client. */
export class PrismaTokenStore implements TokenStore {
  constructor(
    private readonly prisma: TokenTrackingPrismaClient,
    private readonly transactionOptions = { maxWait: 10_000, timeout: 10_000 },
  ) {}

  async recordIssued(token: IssuedTokenRecord, limit: SessionLimit): Promise<void> {
    if (limit.maxSessions <= 0) {
      await this.run(() => this.insert(this.prisma, token));
      return;
    }
    const recorded = await this.run(() =>
      this.prisma.$transaction(async (tx: PrismaRawClient) => {
        // Serialise issuance per user. The count below then runs in a fresh
        // READ COMMITTED snapshot taken after the lock, so it sees every
        // token committed by the previous holder: check and insert are one
        // step, even across application instances.
        await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(${SESSION_CAP_LOCK_NAMESPACE}::int, hashtext(${token.userId}))`;
        return this.insertBelowCap(tx, token, limit);
      }, this.transactionOptions),
    );
    if (!recorded) throw new MaxSessionsExceededError();
  }

  async countActiveSessions(userId: string, now: Date): Promise<number> {
    const rows = await this.run(() => this.prisma.$queryRaw<{ count: number }[]>`
      SELECT count(*)::int AS count FROM issued_tokens
       WHERE user_id = ${userId} AND revoked_at IS NULL AND expires_at > ${now}`);
    return rows[0]?.count ?? 0;
  }

  async listActiveSessions(userId: string, now: Date, page?: PageRequest): Promise<TrackedSession[]> {
    const rows = await this.run(() => this.prisma.$queryRaw<SessionRow[]>`
      SELECT jti, user_id, issued_at, expires_at, client_ip, user_agent FROM issued_tokens
       WHERE user_id = ${userId} AND revoked_at IS NULL AND expires_at > ${now}
       ORDER BY issued_at, jti
       LIMIT ${page?.limit ?? null}::int OFFSET ${page?.offset ?? 0}::int`);
    return rows.map(toTrackedSession);
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
    const owner = request.ownerUserId ?? null;
    // An owner-scoped revocation only ever touches that owner's tracked rows.
    const untracked = owner === null ? request.untracked ?? null : null;
    // One statement: mark the tracked row (if any) and add the deny-list
    // entry. Whoever inserts the entry did the revocation; a concurrent or
    // repeated call finds the entry and reports "already revoked".
    const inserted = await this.run(() => this.prisma.$queryRaw<{ jti: string }[]>`
      WITH tracked AS (
        UPDATE issued_tokens SET revoked_at = ${at}, revoked_reason = ${reason}
         WHERE jti = ${jti} AND revoked_at IS NULL AND expires_at > ${at}
           AND (${owner}::varchar IS NULL OR user_id = ${owner}::varchar)
        RETURNING user_id, expires_at
      ), untracked AS (
        SELECT ${untracked?.userId ?? null}::varchar AS user_id,
               ${untracked?.expiresAt ?? null}::timestamptz AS expires_at
         WHERE ${untracked?.expiresAt ?? null}::timestamptz > ${at}
           AND NOT EXISTS (SELECT 1 FROM issued_tokens WHERE jti = ${jti})
           AND NOT EXISTS (SELECT 1 FROM user_token_watermarks
                            WHERE user_id = ${untracked?.userId ?? null}::varchar
                              AND revoked_before >= ${untracked?.issuedAt ?? null}::timestamptz)
      )
      INSERT INTO revoked_tokens (jti, user_id, expires_at, revoked_at, reason)
      SELECT ${jti}, user_id, expires_at, ${at}, ${reason}
        FROM (SELECT * FROM tracked UNION ALL SELECT * FROM untracked) AS source
       LIMIT 1
      ON CONFLICT (jti) DO NOTHING
      RETURNING jti`);
    if (inserted.length > 0) return 'revoked';
    return this.explainUnrevoked(request);
  }

  async revokeAllForUser(userId: string, at: Date, reason: string): Promise<number> {
    // The watermark covers tokens that were never tracked; marking the rows
    // keeps counts and listings exact. Both happen in one statement.
    const rows = await this.run(() => this.prisma.$queryRaw<{ count: number }[]>`
      WITH watermark AS (
        INSERT INTO user_token_watermarks (user_id, revoked_before) VALUES (${userId}, ${at})
        ON CONFLICT (user_id) DO UPDATE
          SET revoked_before = GREATEST(user_token_watermarks.revoked_before, EXCLUDED.revoked_before)
        RETURNING 1
      ), revoked AS (
        UPDATE issued_tokens SET revoked_at = ${at}, revoked_reason = ${reason}
         WHERE user_id = ${userId} AND revoked_at IS NULL AND expires_at > ${at}
        RETURNING 1
      )
      SELECT (SELECT count(*)::int FROM revoked) AS count, (SELECT count(*) FROM watermark) AS marked`);
    return rows[0]?.count ?? 0;
  }

  async revokeOtherSessions(userId: string, keepJti: string, at: Date, reason: string): Promise<number> {
    const rows = await this.run(() => this.prisma.$queryRaw<{ count: number }[]>`
      WITH revoked AS (
        UPDATE issued_tokens SET revoked_at = ${at}, revoked_reason = ${reason}
         WHERE user_id = ${userId} AND jti <> ${keepJti} AND revoked_at IS NULL AND expires_at > ${at}
        RETURNING jti, user_id, expires_at
      ), denied AS (
        INSERT INTO revoked_tokens (jti, user_id, expires_at, revoked_at, reason)
        SELECT jti, user_id, expires_at, ${at}, ${reason} FROM revoked
        ON CONFLICT (jti) DO NOTHING
        RETURNING 1
      )
      SELECT (SELECT count(*)::int FROM revoked) AS count, (SELECT count(*) FROM denied) AS denied`);
    return rows[0]?.count ?? 0;
  }

  private async explainUnrevoked(request: RevocationRequest): Promise<RevocationOutcome> {
    const { jti, at, untracked, ownerUserId } = request;
    const rows = await this.run(() => this.prisma.$queryRaw<
      { tracked_user_id: string | null; tracked_expires_at: Date | null; tracked_revoked: boolean | null; denied: boolean; watermarked: boolean }[]
    >`
      SELECT (SELECT user_id FROM issued_tokens WHERE jti = ${jti}) AS tracked_user_id,
             (SELECT expires_at FROM issued_tokens WHERE jti = ${jti}) AS tracked_expires_at,
             (SELECT revoked_at IS NOT NULL FROM issued_tokens WHERE jti = ${jti}) AS tracked_revoked,
             EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ${jti}) AS denied,
             EXISTS (SELECT 1 FROM user_token_watermarks
                      WHERE user_id = ${untracked?.userId ?? null}::varchar
                        AND revoked_before >= ${untracked?.issuedAt ?? null}::timestamptz) AS watermarked`);
    const row = rows[0];
    if (!row) throw new TokenStoreUnavailableError();
    if (ownerUserId !== undefined && row.tracked_user_id !== ownerUserId) return 'not-found';
    if (row.denied || row.tracked_revoked || row.watermarked) return 'already-revoked';
    const expiresAt = row.tracked_expires_at ?? untracked?.expiresAt;
    if (expiresAt && expiresAt.getTime() <= at.getTime()) return 'expired';
    return 'not-found';
  }

  private async insert(client: PrismaRawClient, token: IssuedTokenRecord): Promise<void> {
    await client.$executeRaw`
      INSERT INTO issued_tokens (jti, user_id, issued_at, expires_at, client_ip, user_agent)
      VALUES (${token.jti}, ${token.userId}, ${token.issuedAt}, ${token.expiresAt},
              ${token.clientIp}, ${token.userAgent})`;
  }

  private async insertBelowCap(
    client: PrismaRawClient,
    token: IssuedTokenRecord,
    limit: SessionLimit,
  ): Promise<boolean> {
    const inserted = await client.$executeRaw`
      INSERT INTO issued_tokens (jti, user_id, issued_at, expires_at, client_ip, user_agent)
      SELECT ${token.jti}, ${token.userId}, ${token.issuedAt}, ${token.expiresAt},
             ${token.clientIp}, ${token.userAgent}
       WHERE (SELECT count(*) FROM issued_tokens
               WHERE user_id = ${token.userId} AND revoked_at IS NULL
                 AND expires_at > ${limit.now}) < ${limit.maxSessions}`;
    return inserted === 1;
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

function toTrackedSession(row: SessionRow): TrackedSession {
  return {
    jti: row.jti,
    userId: row.user_id,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    clientIp: row.client_ip,
    userAgent: row.user_agent,
  };
}
