import { Logger } from '@nestjs/common';
import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { TokenStoreError } from '../errors/token-store.error.js';
import { TokenStoreUnavailableError } from '../errors/token-store-unavailable.error.js';
import { PrismaRevocationLog } from '../revocation/prisma-revocation-log.js';
import type { RevocationLog } from '../revocation/revocation-log.js';
import { withTimeout } from '../runtime/with-timeout.js';
import { MicroBatcher } from './micro-batcher.js';
import { PrismaRawClient, PrismaTransactionOptions, TokenTrackingPrismaClient } from './prisma-client.interface.js';
import { missingRequirements, REQUIRED_COLUMNS, REQUIRED_FUNCTIONS } from './schema-requirements.js';
import { assertTimeRoundTrip, readTimeRoundTrip } from './time-round-trip.js';
import { classifyStoreFailure, toStoreError } from './store-failure.js';
import { DEFAULT_STORE_TIMEOUTS, StoreTimeouts } from './store-timeouts.js';
import {
  ActiveSessionCriteria,
  IdleDeadline,
  IdleSessionsRevoked,
  KeyUsage,
  LiveTokenCriteria,
  NewSession,
  PageRequest,
  PurgeOutcome,
  PurgeRequest,
  RecordedActivity,
  RecordedToken,
  RevocationStamp,
  RevokedSessions,
  RotationOutcome,
  RotationRequest,
  SessionLimit,
  SessionUse,
  SessionRevocation,
  SessionRevocationOutcome,
  StartSessionOutcome,
  TokenDenial,
  TokenIdentity,
  TokenStore,
} from './token-store.interface.js';
import { StoredSession, TokenUse, TrackedToken } from './tracked-session.js';

/**
 * First key of every two-key advisory lock this store takes, so they cannot
 * collide with an application's own advisory locks. ("TTrk" in ASCII; the
 * SQL functions of the migrations use the same number.)
 */
export const ADVISORY_LOCK_NAMESPACE = 0x5454726b;
/** Second key of the lock that lets one purge run at a time. */
const PURGE_LOCK_KEY = 0;
/** A statement that lost a deadlock or a serialization conflict runs again, up to this many times in all. */
const MAX_ATTEMPTS = 5;
/** Logins recorded by one statement at most. */
const MAX_SESSIONS_PER_STATEMENT = 100;
/**
 * How far behind its last use a session's idle-sweep step may fall (with
 * a timeout longer than this): the longer, the fewer writes move the step
 * (none of them HOT), and the longer a session that stops being used is
 * read by every sweep before it goes idle.
 */
const MAX_STEP_LAG_MS = 3_600_000;

interface SessionStart {
  readonly session: NewSession;
  readonly limit: SessionLimit;
}

interface SessionRow {
  session_id: string;
  user_id: string;
  created_at: Date;
  last_active_at: Date;
  expires_at: Date;
  client_ip: string | null;
  user_agent: string | null;
}

interface TokenRow {
  jti: string;
  user_id: string;
  session_id: string;
  token_use: string;
  issued_at: Date;
  expires_at: Date;
  key_id: string | null;
  client_ip: string | null;
  user_agent: string | null;
}

interface RotationRow {
  session_id: string;
  user_id: string;
  rotated_at: Date | null;
  replaced_by: string | null;
  revoked_at: Date | null;
  revoked_reason: string | null;
  created_at: Date;
  last_active_at: Date;
}

/**
 * `TokenStore` on PostgreSQL, through the application's Prisma client. Each
 * write is a single statement (most call the SQL functions of the
 * migrations; the logins of one event-loop turn share one) or, for a
 * refresh, one short transaction holding the session's row lock; statements
 * that lose a deadlock are run again.
 */
export class PrismaTokenStore implements TokenStore {
  private readonly logger = new Logger('TokenTracking');
  /**
   * Concurrent logins share one statement. One that fails with an error of
   * its own (not an outage) is retried alone, so that it cannot fail the
   * logins recorded with it.
   */
  private readonly sessionStarts = new MicroBatcher<SessionStart, StartSessionOutcome>({
    run: (starts) => this.startSessions(starts),
    maxItems: MAX_SESSIONS_PER_STATEMENT,
    retryAlone: (error) => error instanceof TokenStoreError,
  });

  constructor(
    private readonly prisma: TokenTrackingPrismaClient,
    private readonly transactionOptions: PrismaTransactionOptions = { maxWait: 10_000, timeout: 10_000 },
    private readonly timeouts: StoreTimeouts = DEFAULT_STORE_TIMEOUTS,
  ) {}

  async verifySchema(): Promise<void> {
    const [columns, functions] = await this.run('schema check', 'readMs', () => Promise.all([
      this.prisma.$queryRaw<Array<{ table: string; column: string }>>`
        SELECT c.relname::text AS table, a.attname::text AS column
          FROM pg_attribute AS a JOIN pg_class AS c ON c.oid = a.attrelid
         WHERE c.oid = ANY(ARRAY(SELECT to_regclass(t) FROM unnest(${Object.keys(REQUIRED_COLUMNS)}::text[]) AS t))
           AND a.attnum > 0 AND NOT a.attisdropped`,
      this.prisma.$queryRaw<Array<{ name: string }>>`
        SELECT proname::text AS name FROM pg_proc
         WHERE proname = ANY(${Object.keys(REQUIRED_FUNCTIONS)}::text[]) AND pg_function_is_visible(oid)`,
    ]));
    const missing = missingRequirements(columns, functions.map((row) => row.name));
    if (missing.length === 0) {
      assertTimeRoundTrip(await this.run('time zone check', 'readMs', () => readTimeRoundTrip(this.prisma)), 'the Prisma client');
      return;
    }
    const migrations = [...new Set(missing.map((requirement) => requirement.migration))].sort();
    // A database without any of the tables lacks dozens of objects: name the first few.
    const objects = missing.map((requirement) => requirement.object);
    const named = objects.length > 5 ? `${objects.slice(0, 5).join(', ')} and ${objects.length - 5} more` : objects.join(', ');
    // Name where to start, not only the migrations that create what is missing: those
    // after the first (functions replaced, plans changed) are needed as much.
    throw new TokenTrackingConfigurationError(
      `the database lacks ${named}. Apply the library's migrations from ${migrations[0]} on ` +
        `(${migrations.join(', ')} ${migrations.length === 1 ? 'creates' : 'create'} what is missing): copy them with ` +
        '`npx nestjs-token-tracking migrations prisma/migrations`, then run `prisma migrate deploy`, which applies every ' +
        'pending migration in order (see docs/setup.md)',
    );
  }

  async ping(): Promise<void> {
    await this.run('pinging the database', 'readMs', () => this.prisma.$queryRaw`SELECT 1 AS alive`);
  }

  revocationLog(): RevocationLog {
    return new PrismaRevocationLog(this.prisma);
  }

  async revocationReasonOf(userId: string, sessionId: string): Promise<string | null> {
    const rows = await this.run('reading why a session was revoked', 'revocationCheckMs', () => this.prisma.$queryRaw<Array<{ reason: string | null }>>`
      SELECT revoked_reason AS reason FROM token_sessions WHERE session_id = ${sessionId} AND user_id = ${userId}`);
    return rows[0]?.reason ?? null;
  }

  async lastActiveAtOf(userId: string, sessionId: string): Promise<Date | null> {
    const rows = await this.run('reading when a session was last used', 'revocationCheckMs', () => this.prisma.$queryRaw<Array<{ last_active_at: Date }>>`
      SELECT last_active_at FROM token_sessions WHERE session_id = ${sessionId} AND user_id = ${userId}`);
    return rows[0]?.last_active_at ?? null;
  }

  startSession(session: NewSession, limit: SessionLimit): Promise<StartSessionOutcome> {
    return this.sessionStarts.submit({ session, limit });
  }

  /** Records the sessions of one batch in one statement; one outcome per session, in order. */
  private async startSessions(starts: readonly SessionStart[]): Promise<StartSessionOutcome[]> {
    const tokens = starts.flatMap(({ session }, index) => session.tokens.map((token) => ({ ...token, sessionIndex: index + 1 })));
    const rows = await this.run(starts.length === 1 ? 'recording a session' : `recording ${starts.length} sessions`, 'writeMs', () =>
      this.prisma.$queryRaw<Array<{ session_index: number; evicted: string[] | null }>>`
        SELECT session_index, evicted FROM token_tracking_start_sessions(
          ${starts.map(({ session }) => session.sessionId)}::varchar[], ${starts.map(({ session }) => session.userId)}::varchar[],
          ${starts.map(({ limit }) => limit.maxSessions)}::int[], ${starts.map(({ limit }) => limit.policy === 'evict-oldest')}::boolean[],
          ${starts.map(({ limit }) => limit.criteria.now)}::timestamptz[], ${starts.map(({ limit }) => limit.criteria.idleCutoff)}::timestamptz[],
          ${starts.map(({ limit }) => limit.criteria.createdCutoff)}::timestamptz[],
          ${starts.map(({ session }) => session.clientIp)}::varchar[], ${starts.map(({ session }) => session.userAgent)}::varchar[],
          ${tokens.map((t) => t.sessionIndex)}::int[], ${tokens.map((t) => t.jti)}::varchar[], ${tokens.map((t) => t.tokenUse)}::varchar[],
          ${tokens.map((t) => t.issuedAt)}::timestamptz[], ${tokens.map((t) => t.expiresAt)}::timestamptz[],
          ${tokens.map((t) => t.keyId)}::varchar[], ${tokens.map((t) => t.accessJti)}::varchar[])
         ORDER BY session_index`);
    // No answer for a session is not "recorded": fail closed.
    if (rows.length !== starts.length) throw new TokenStoreUnavailableError();
    return rows.map(({ evicted }) => (evicted === null ? { status: 'refused' } : { status: 'recorded', evictedSessionIds: evicted }));
  }

  async countActiveSessions(userId: string, criteria: ActiveSessionCriteria): Promise<number> {
    const rows = await this.run('counting sessions', 'readMs', () => this.prisma.$queryRaw<Array<{ count: number }>>`
      SELECT count(*)::int AS count FROM token_sessions
       WHERE user_id = ${userId} AND revoked_at IS NULL AND expires_at > ${criteria.now}
         AND (${criteria.idleCutoff}::timestamptz IS NULL OR last_active_at > ${criteria.idleCutoff}::timestamptz)
         AND (${criteria.createdCutoff}::timestamptz IS NULL OR created_at > ${criteria.createdCutoff}::timestamptz)`);
    return rows[0]?.count ?? 0;
  }

  async listActiveSessions(userId: string, criteria: ActiveSessionCriteria, page?: PageRequest): Promise<StoredSession[]> {
    const rows = await this.run('listing sessions', 'readMs', () => this.prisma.$queryRaw<SessionRow[]>`
      SELECT session_id, user_id, created_at, last_active_at, expires_at, client_ip, user_agent FROM token_sessions
       WHERE user_id = ${userId} AND revoked_at IS NULL AND expires_at > ${criteria.now}
         AND (${criteria.idleCutoff}::timestamptz IS NULL OR last_active_at > ${criteria.idleCutoff}::timestamptz)
         AND (${criteria.createdCutoff}::timestamptz IS NULL OR created_at > ${criteria.createdCutoff}::timestamptz)
       ORDER BY created_at, session_id
       LIMIT ${page?.limit ?? null}::bigint OFFSET ${page?.offset ?? 0}::bigint`);
    return rows.map((row) => ({
      sessionId: row.session_id,
      userId: row.user_id,
      createdAt: row.created_at,
      lastActiveAt: row.last_active_at,
      expiresAt: row.expires_at,
      clientIp: row.client_ip,
      userAgent: row.user_agent,
    }));
  }

  async listActiveTokens(userId: string, criteria: ActiveSessionCriteria): Promise<TrackedToken[]> {
    const rows = await this.run('listing tokens', 'readMs', () => this.prisma.$queryRaw<TokenRow[]>`
      SELECT t.jti, t.user_id, t.session_id, t.token_use, t.issued_at, t.expires_at, t.key_id, t.client_ip, t.user_agent
        FROM token_sessions AS s JOIN issued_tokens AS t ON t.session_id = s.session_id
       WHERE s.user_id = ${userId} AND s.revoked_at IS NULL AND s.expires_at > ${criteria.now}
         AND (${criteria.idleCutoff}::timestamptz IS NULL OR s.last_active_at > ${criteria.idleCutoff}::timestamptz)
         AND (${criteria.createdCutoff}::timestamptz IS NULL OR s.created_at > ${criteria.createdCutoff}::timestamptz)
         AND t.rotated_at IS NULL AND t.expires_at > ${criteria.now}
       ORDER BY t.issued_at, t.jti`);
    return rows.map((row) => ({
      jti: row.jti,
      userId: row.user_id,
      sessionId: row.session_id,
      tokenUse: row.token_use as TokenUse,
      issuedAt: row.issued_at,
      expiresAt: row.expires_at,
      keyId: row.key_id,
      clientIp: row.client_ip,
      userAgent: row.user_agent,
    }));
  }

  async isRevoked(token: TokenIdentity): Promise<boolean> {
    const rows = await this.run('checking a revocation', 'revocationCheckMs', () => this.prisma.$queryRaw<Array<{ revoked: boolean }>>`
      SELECT EXISTS (SELECT 1 FROM revoked_tokens
                      WHERE id IN (${token.jti}, ${token.sessionId})
                        AND (kind = 'session' OR user_id IS NULL OR user_id = ${token.userId}))
          OR EXISTS (SELECT 1 FROM user_token_watermarks
                      WHERE user_id = ${token.userId} AND revoked_before > ${token.issuedAt}) AS revoked`);
    const row = rows[0];
    // No answer is not "not revoked": fail closed.
    if (!row) throw new TokenStoreUnavailableError();
    return row.revoked;
  }

  async revokeSession(request: SessionRevocation): Promise<SessionRevocationOutcome> {
    const sessionIdOnly = request.sessionIdOnly === true;
    const [target] = await this.run('finding a session', 'readMs', () => this.prisma.$queryRaw<Array<{
      session_id: string;
      user_id: string;
      revoked_at: Date | null;
      expires_at: Date;
    }>>`
      SELECT s.session_id, s.user_id, s.revoked_at, s.expires_at FROM token_sessions AS s
       WHERE s.session_id = ${request.id}
          OR (NOT ${sessionIdOnly}::boolean AND s.session_id = (SELECT t.session_id FROM issued_tokens AS t WHERE t.jti = ${request.id}))
       ORDER BY s.session_id = ${request.id} DESC
       LIMIT 1`);
    if (!target || (request.ownerUserId !== undefined && target.user_id !== request.ownerUserId)) return { status: 'not-found' };
    if (target.revoked_at !== null) return { status: 'already-revoked' };
    if (target.expires_at.getTime() <= request.expiredBy.getTime()) return { status: 'expired' };
    const revoked = await this.run('revoking a session', 'writeMs', () => this.revokeSessions(this.prisma, [target.session_id], request.at, request.reason));
    // Another revocation may have won between the two statements.
    if (revoked.length === 0) return { status: 'already-revoked' };
    return { status: 'revoked', userId: target.user_id, sessionId: target.session_id };
  }

  async denyToken(denial: TokenDenial): Promise<'denied' | 'already-revoked'> {
    const rows = await this.run('deny-listing a token', 'writeMs', () => this.prisma.$queryRaw<Array<{ inserted: number }>>`
      WITH covered AS (
        SELECT EXISTS (SELECT 1 FROM user_token_watermarks
                        WHERE user_id = ${denial.userId}::varchar AND revoked_before > ${denial.issuedAt}::timestamptz) AS yes
      ), inserted AS (
        INSERT INTO revoked_tokens (id, kind, user_id, expires_at, revoked_at, reason)
        SELECT ${denial.jti}, 'token', ${denial.userId}::varchar, ${denial.expiresAt}, ${denial.at}, ${denial.reason}
          FROM covered WHERE NOT covered.yes
        ON CONFLICT (id) DO NOTHING
        RETURNING id, expires_at, user_id
      ), announced AS (
        SELECT token_tracking_announce(array_agg(i.id), array_agg(i.expires_at), array_agg(i.user_id)) AS notifications FROM inserted AS i
      )
      SELECT count(*)::int AS inserted FROM inserted, announced`);
    return (rows[0]?.inserted ?? 0) > 0 ? 'denied' : 'already-revoked';
  }

  async revokeAllForUser(userId: string, stamp: RevocationStamp): Promise<RevokedSessions> {
    const rows = await this.run('revoking all of a user\'s tokens', 'writeMs', () => this.prisma.$queryRaw<Array<{ revoked_session_id: string }>>`
      SELECT revoked_session_id
        FROM token_tracking_revoke_all(${userId}::varchar, ${stamp.at}::timestamptz, ${stamp.reason}::varchar, ${stamp.expiredBy}::timestamptz)`);
    return { sessionIds: rows.map((row) => row.revoked_session_id) };
  }

  async revokeOtherSessions(userId: string, keepSessionId: string, stamp: RevocationStamp): Promise<RevokedSessions> {
    const rows = await this.run('revoking other sessions', 'writeMs', () => this.prisma.$queryRaw<Array<{ revoked_session_id: string }>>`
      SELECT revoked_session_id FROM token_tracking_revoke_sessions(ARRAY(
               SELECT session_id FROM token_sessions
                WHERE user_id = ${userId} AND session_id <> ${keepSessionId} AND revoked_at IS NULL AND expires_at > ${stamp.expiredBy}),
             ${stamp.at}::timestamptz, ${stamp.reason}::varchar)`);
    return { sessionIds: rows.map((row) => row.revoked_session_id) };
  }

  async rotateRefreshToken(request: RotationRequest): Promise<RotationOutcome> {
    const { presented, next, now } = request;
    const [nextAccess, nextRefresh] = next;
    return this.run('rotating a refresh token', 'writeMs', () => this.prisma.$transaction(async (tx: PrismaRawClient): Promise<RotationOutcome> => {
      // The session's row lock serialises this refresh against every other
      // refresh and revocation of the session. The token's row is locked too:
      // after waiting for a lock, READ COMMITTED re-reads only the locked
      // rows, and a concurrent refresh has just rotated this one.
      const [current] = await tx.$queryRaw<RotationRow[]>`
        SELECT t.session_id, s.user_id, t.rotated_at, t.replaced_by, s.revoked_at, s.revoked_reason, s.created_at, s.last_active_at
          FROM issued_tokens AS t JOIN token_sessions AS s ON s.session_id = t.session_id
         WHERE t.jti = ${presented.jti} AND t.token_use = 'refresh'
           FOR UPDATE OF s, t`;
      if (!current || current.user_id !== presented.userId) return { status: 'not-found' };
      // Read under the lock: a sweep that revoked the session while this
      // refresh waited for it (or just before) is seen with its reason.
      if (current.revoked_at !== null) return { status: 'revoked', reason: current.revoked_reason };
      const sessionId = current.session_id;
      if (request.createdCutoff && current.created_at.getTime() <= request.createdCutoff.getTime()) {
        await this.revokeSessions(tx, [sessionId], now, 'max-lifetime');
        return { status: 'session-expired', sessionId };
      }
      if (request.idleCutoff && current.last_active_at.getTime() <= request.idleCutoff.getTime()) {
        await this.revokeSessions(tx, [sessionId], now, 'idle-timeout');
        return { status: 'idle', sessionId };
      }
      if (current.rotated_at === null) {
        await this.recordRotation(tx, request, sessionId);
        return { status: 'rotated', sessionId, createdAt: current.created_at };
      }
      if (now.getTime() - current.rotated_at.getTime() <= request.graceMs) {
        const successor = current.replaced_by ? await this.findPair(tx, current.replaced_by) : null;
        if (successor) return { status: 'grace', sessionId, createdAt: current.created_at, ...successor };
        // Rotated before rotations recorded their successor: record this pair instead.
        await this.recordRotation(tx, request, sessionId);
        return { status: 'grace', sessionId, createdAt: current.created_at, access: nextAccess, refresh: nextRefresh };
      }
      // An exchanged refresh token came back after the grace period: someone
      // holds a copy. End the session for both holders.
      await this.revokeSessions(tx, [sessionId], now, 'refresh-token-reuse');
      return { status: 'reused', sessionId };
    }, this.transactionOptions));
  }

  async recordActivity(uses: readonly SessionUse[], idle?: IdleDeadline, intervalMs = 0): Promise<RecordedActivity> {
    if (uses.length === 0) return { sessions: [] };
    // The ids and the times (epoch ms) as JSON texts rather than array
    // parameters: the driver serializes an array element by element, which
    // cost 23 ms of this process's CPU for 3,000 uses, against 4-9 ms for
    // this. Unnested from arrays, as before, so that the planner expects
    // few rows and looks each session up by its key (from a JSON function
    // it expects 100, and scans a table of a few ten thousand rows).
    const idsJson = JSON.stringify(uses.map((use) => use.sessionId));
    const timesJson = JSON.stringify(uses.map((use) => use.at.getTime()));
    // A use counts only while its session is still within its idle timeout:
    // one at or after the deadline (`idle_cutoff`, the use less the timeout)
    // must not move a deadline that has passed.
    const idleTimeoutMs = idle ? idle.timeoutMs : null;
    const intervalSeconds = intervalMs / 1000;
    // The session's ten-minute step, which the idle sweep indexes, moves only
    // once the step's start lags the use by the timeout (at most an hour) less
    // two intervals. Otherwise it stays, and the update changes no indexed
    // column, so PostgreSQL rewrites the row in place (HOT) rather than add it
    // to every index of the table again; without an idle timeout nothing reads
    // the step, and it always stays. The sweep reads the steps up to its
    // cutoff's (now less the timeout): a session in use is written again
    // within two intervals, so its step stays out of the sweep's reach, and
    // one that stops being used is read by the sweeps of at most the last hour
    // and ten minutes before it goes idle (ten minutes when the step moved
    // with every write).
    const stepLagMs = idle ? Math.min(idle.timeoutMs, MAX_STEP_LAG_MS) - 2 * intervalMs : null;
    // SKIP LOCKED: a session a revocation (or a refresh) is holding is
    // skipped rather than waited for, so recording use never waits for a
    // revocation and cannot deadlock with one (rows are taken in one order
    // regardless); a revocation of a session this statement holds waits for
    // it to end (for each instance's, if several hold its sessions), which
    // the recorder's batches of at most 500 uses keep short.
    // A session whose use some process recorded less than `intervalMs` ago
    // is neither locked nor written, but returned with that last use, for
    // this process to remember: each process remembers only its own writes,
    // so in a fleet (or past its memory's bound) it would otherwise write
    // every session its requests reach. A session's start is not such a use:
    // its first guarded request is written, as a single process would. The
    // final SELECT looks up only the sessions the UPDATE did not write (when
    // every use is due, none), as they were before it.
    const recordedElsewhere = await this.run('recording session activity', 'writeMs', () => this.prisma.$queryRaw<Array<{ session_id: string; last_active_at: Date }>>`
      WITH used AS MATERIALIZED (
             SELECT session_id, at, at - ${idleTimeoutMs}::float8 * interval '1 millisecond' AS idle_cutoff
               FROM unnest(ARRAY(SELECT id FROM json_array_elements_text(${idsJson}::json) WITH ORDINALITY AS given(id, n) ORDER BY n)::varchar[],
                           ARRAY(SELECT at_ms FROM json_array_elements_text(${timesJson}::json) WITH ORDINALITY AS given(at_ms, n) ORDER BY n)::bigint[]) AS use(session_id, at_ms),
                    LATERAL (SELECT timestamptz 'epoch' + use.at_ms * interval '1 millisecond' AS at) AS use_time),
           written AS (
             UPDATE token_sessions AS s
                SET last_active_at = u.at,
                    last_active_bucket = CASE WHEN u.step_reachable THEN token_tracking_activity_bucket(u.at) ELSE s.last_active_bucket END
               FROM (SELECT locked.session_id, used.at,
                            locked.last_active_bucket <= token_tracking_activity_bucket(used.at - ${stepLagMs}::float8 * interval '1 millisecond') AS step_reachable
                       FROM used JOIN token_sessions AS locked ON locked.session_id = used.session_id
                      WHERE locked.last_active_at < used.at AND locked.revoked_at IS NULL
                        AND (locked.last_active_at <= used.at - ${intervalSeconds}::float8 * interval '1 second' OR locked.last_active_at = locked.created_at)
                        AND (used.idle_cutoff IS NULL OR locked.last_active_at > used.idle_cutoff)
                      ORDER BY locked.session_id
                        FOR UPDATE OF locked SKIP LOCKED) AS u
              WHERE s.session_id = u.session_id
             RETURNING s.session_id)
      SELECT used.session_id, known.last_active_at
        FROM used JOIN token_sessions AS known ON known.session_id = used.session_id
       WHERE used.session_id NOT IN (SELECT session_id FROM written) AND ${intervalSeconds}::float8 > 0
         AND known.revoked_at IS NULL
         AND known.last_active_at > used.at - ${intervalSeconds}::float8 * interval '1 second' AND known.last_active_at <> known.created_at
         AND (used.idle_cutoff IS NULL OR known.last_active_at > used.idle_cutoff)`);
    const recorded = recordedElsewhere.map((row) => ({ sessionId: row.session_id, at: row.last_active_at }));
    if (!idle) return { sessions: [], recordedElsewhere: recorded };
    // What the update left alone for being past its deadline is over: end
    // it now, as the idle sweep would, rather than let it be used until then.
    const { stamp } = idle;
    const rows = await this.run('ending sessions used after their idle deadline', 'writeMs', () => this.prisma.$queryRaw<Array<{ revoked_session_id: string; revoked_user_id: string }>>`
      SELECT revoked_session_id, revoked_user_id FROM token_tracking_revoke_sessions(ARRAY(
               SELECT s.session_id
                 FROM unnest(ARRAY(SELECT id FROM json_array_elements_text(${idsJson}::json) WITH ORDINALITY AS given(id, n) ORDER BY n)::varchar[],
                             ARRAY(SELECT at_ms FROM json_array_elements_text(${timesJson}::json) WITH ORDINALITY AS given(at_ms, n) ORDER BY n)::bigint[]) AS use(session_id, at_ms)
                 JOIN token_sessions AS s ON s.session_id = use.session_id
                WHERE s.revoked_at IS NULL AND s.expires_at > ${stamp.expiredBy}
                  AND s.last_active_at <= timestamptz 'epoch' + use.at_ms * interval '1 millisecond' - ${idleTimeoutMs}::float8 * interval '1 millisecond'
                ORDER BY s.session_id
                  FOR UPDATE OF s SKIP LOCKED),
             ${stamp.at}::timestamptz, ${stamp.reason}::varchar)`);
    return { sessions: rows.map((row) => ({ sessionId: row.revoked_session_id, userId: row.revoked_user_id })), recordedElsewhere: recorded };
  }

  async revokeIdleSessions(idleCutoff: Date, stamp: RevocationStamp, batchSize: number): Promise<IdleSessionsRevoked> {
    // The index has last use in ten-minute steps (last_active_bucket), not
    // last_active_at, so that recording a use is a HOT update: the sweep
    // walks the steps up to the cutoff's and keeps the rows used at or before
    // the cutoff itself. Its step also holds sessions used since the cutoff,
    // read and left alone, and so may a lower step: a session's step may
    // lag its last use by up to an hour (see recordActivity). Rows with no
    // step (from before the migration, until their next use, or written
    // with triggers off) are read by a second arm of their own: in one
    // condition with an OR, the planner may walk the whole index in step
    // order and filter every row. A step too low, or none, costs a read;
    // only a step too high could hide an idle session. Each arm takes up to
    // `batchSize`.
    const rows = await this.run('ending idle sessions', 'writeMs', () => this.prisma.$queryRaw<Array<{ revoked_session_id: string; revoked_user_id: string }>>`
      SELECT revoked_session_id, revoked_user_id FROM token_tracking_revoke_sessions(
             ARRAY(SELECT session_id FROM token_sessions
                    WHERE revoked_at IS NULL AND last_active_bucket <= token_tracking_activity_bucket(${idleCutoff}::timestamptz)
                      AND last_active_at <= ${idleCutoff} AND expires_at > ${stamp.expiredBy}
                    ORDER BY last_active_bucket
                    LIMIT ${batchSize}::int
                      FOR UPDATE SKIP LOCKED)
             || ARRAY(SELECT session_id FROM token_sessions
                       WHERE revoked_at IS NULL AND last_active_bucket IS NULL
                         AND last_active_at <= ${idleCutoff} AND expires_at > ${stamp.expiredBy}
                       LIMIT ${batchSize}::int
                         FOR UPDATE SKIP LOCKED),
             ${stamp.at}::timestamptz, ${stamp.reason}::varchar)`);
    return { sessions: rows.map((row) => ({ sessionId: row.revoked_session_id, userId: row.revoked_user_id })) };
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
    return this.run('purging expired rows', null, () => this.prisma.$transaction(async (lockHolder: PrismaRawClient): Promise<PurgeOutcome> => {
      const [lock] = await lockHolder.$queryRaw<Array<{ acquired: boolean }>>`
        SELECT pg_try_advisory_xact_lock(${ADVISORY_LOCK_NAMESPACE}::int, ${PURGE_LOCK_KEY}::int) AS acquired`;
      if (!lock?.acquired) return { status: 'skipped' };
      // The lock statement's portal stays open until the next statement and
      // keeps its snapshot, holding back the xmin horizon: deleted rows could
      // not be marked dead in the index, and every batch would rescan all the
      // rows deleted before it (1M rows: 12 s instead of 2 s). A snapshot-free
      // statement closes it.
      await lockHolder.$queryRaw`SELECT 1 AS portal_closed`;
      const totals = { sessions: 0, tokens: 0, revocations: 0, watermarks: 0 };
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
        (await drain('sessions', () => this.prisma.$executeRaw`
        DELETE FROM token_sessions WHERE ctid = ANY(ARRAY(
          SELECT ctid FROM token_sessions WHERE expires_at <= ${request.tokensExpiredBy}
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

  async keyUsage(now: Date, live: LiveTokenCriteria = { idleCutoff: null, createdCutoff: null, graceMs: 0 }): Promise<KeyUsage[]> {
    // An exchanged refresh token stays acceptable through its grace period only.
    const rows = await this.run('reading key usage', 'readMs', () => this.prisma.$queryRaw<Array<{ key_id: string; active: number; last: Date | null }>>`
      SELECT key_id, count(*)::int AS active, max(accepted_until) AS last FROM (
        SELECT t.key_id,
               CASE WHEN t.rotated_at IS NULL THEN t.expires_at
                    ELSE least(t.expires_at, t.rotated_at + ${live.graceMs}::float8 * interval '1 millisecond') END AS accepted_until
          FROM issued_tokens AS t JOIN token_sessions AS s ON s.session_id = t.session_id
         WHERE t.expires_at > ${now} AND t.key_id IS NOT NULL AND s.revoked_at IS NULL
           AND (${live.idleCutoff}::timestamptz IS NULL OR s.last_active_at > ${live.idleCutoff}::timestamptz)
           AND (${live.createdCutoff}::timestamptz IS NULL OR s.created_at > ${live.createdCutoff}::timestamptz)) AS accepted
       WHERE accepted_until > ${now}
       GROUP BY key_id ORDER BY key_id`);
    return rows.map((row) => ({ keyId: row.key_id, activeTokens: row.active, lastExpiresAt: row.last }));
  }

  /** Retires the presented refresh token, records the new pair and moves the session on, in one statement. */
  private async recordRotation(tx: PrismaRawClient, request: RotationRequest, sessionId: string): Promise<void> {
    const { next, now } = request;
    const latestExpiry = new Date(Math.max(...next.map((token) => token.expiresAt.getTime())));
    // The idle sweep's step moves with the refresh: writes of last use leave
    // it behind until the sweep could reach it, and a new expiry updates the
    // indexes anyway.
    await tx.$executeRaw`
      WITH retired AS (
        UPDATE issued_tokens SET rotated_at = ${now}, replaced_by = ${next[1].jti}
         WHERE jti = ${request.presented.jti} AND rotated_at IS NULL
        RETURNING 1
      ), recorded AS (
        INSERT INTO issued_tokens (jti, user_id, session_id, token_use, issued_at, expires_at, client_ip, user_agent, key_id, access_jti)
        SELECT t.jti, ${request.presented.userId}, ${sessionId}, t.token_use, t.issued_at, t.expires_at,
               ${request.clientIp}::varchar, ${request.userAgent}::varchar, t.key_id, t.access_jti
          FROM unnest(${next.map((t) => t.jti)}::varchar[], ${next.map((t) => t.tokenUse)}::varchar[],
                      ${next.map((t) => t.issuedAt)}::timestamptz[], ${next.map((t) => t.expiresAt)}::timestamptz[],
                      ${next.map((t) => t.keyId)}::varchar[], ${next.map((t) => t.accessJti)}::varchar[])
               AS t(jti, token_use, issued_at, expires_at, key_id, access_jti)
        RETURNING 1
      )
      UPDATE token_sessions
         SET expires_at = greatest(expires_at, ${latestExpiry}), last_active_at = greatest(last_active_at, ${now}),
             last_active_bucket = token_tracking_activity_bucket(greatest(last_active_at, ${now})),
             client_ip = ${request.clientIp}::varchar, user_agent = ${request.userAgent}::varchar
       WHERE session_id = ${sessionId}`;
  }

  /** The refresh token `refreshJti` and the access token issued with it. */
  private async findPair(tx: PrismaRawClient, refreshJti: string): Promise<{ access: RecordedToken; refresh: RecordedToken } | null> {
    const [row] = await tx.$queryRaw<Array<{
      refresh_jti: string; refresh_issued_at: Date; refresh_expires_at: Date;
      access_jti: string; access_issued_at: Date; access_expires_at: Date;
    }>>`
      SELECT r.jti AS refresh_jti, r.issued_at AS refresh_issued_at, r.expires_at AS refresh_expires_at,
             a.jti AS access_jti, a.issued_at AS access_issued_at, a.expires_at AS access_expires_at
        FROM issued_tokens AS r JOIN issued_tokens AS a ON a.jti = r.access_jti
       WHERE r.jti = ${refreshJti}`;
    if (!row) return null;
    return {
      access: { jti: row.access_jti, issuedAt: row.access_issued_at, expiresAt: row.access_expires_at },
      refresh: { jti: row.refresh_jti, issuedAt: row.refresh_issued_at, expiresAt: row.refresh_expires_at },
    };
  }

  /** Revokes sessions through the migrations' function (mark, deny-list, announce); returns those it revoked. */
  private async revokeSessions(client: PrismaRawClient, sessionIds: readonly string[], at: Date, reason: string): Promise<string[]> {
    const rows = await client.$queryRaw<Array<{ revoked_session_id: string }>>`
      SELECT revoked_session_id FROM token_tracking_revoke_sessions(${sessionIds}::varchar[], ${at}::timestamptz, ${reason}::varchar)`;
    return rows.map((row) => row.revoked_session_id);
  }

  /**
   * Runs a statement (or a transaction), again when it lost a deadlock or a
   * serialization conflict, and turns any failure into the library's error:
   * `TokenStoreUnavailableError` only for an outage, which includes no
   * answer within the call's deadline (`null`: the call bounds itself).
   */
  private async run<T>(operation: string, deadline: keyof StoreTimeouts | null, query: () => PromiseLike<T>): Promise<T> {
    const attempts = this.attempt(query, deadline === null ? Infinity : Date.now() + this.timeouts[deadline]);
    try {
      return await (deadline === null ? attempts : withTimeout(attempts, this.timeouts[deadline], operation));
    } catch (error) {
      throw toStoreError(error, this.logger, operation);
    }
  }

  /** The query, run again after a conflict, but not once its caller has been answered at `giveUpAt`. */
  private async attempt<T>(query: () => PromiseLike<T>, giveUpAt: number): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await query();
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || Date.now() >= giveUpAt || classifyStoreFailure(error) !== 'conflict') throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
      }
    }
  }
}
