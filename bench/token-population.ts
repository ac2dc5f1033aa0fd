import pg from 'pg';
import { signJws } from '../src/jws/jws-codec.js';
import { newTokenId } from '../src/issuance/issued-tokens.js';
import { BENCH_AUDIENCE, BENCH_ISSUER, BENCH_SECRET } from './bench-app.js';

/** Signed tokens of a population, and which of them were revoked. */
export interface TokenPopulation {
  readonly tokens: string[];
  /** Indexes into `tokens` of the revoked ones. */
  readonly revoked: ReadonlySet<number>;
}

const BATCH = 20_000;

/**
 * `count` live access tokens of `users` users, each a tracked session of its
 * own, with every `revokeEvery`-th one revoked (its session revoked and
 * deny-listed, as `revokeToken` leaves it). Signed here and written with
 * multi-row INSERTs: a million sessions in well under a minute, where
 * issuing them one by one through the service would take far longer.
 */
export async function createTokenPopulation(
  databaseUrl: string,
  options: { count: number; users: number; revokeEvery: number; lifetimeSeconds: number },
): Promise<TokenPopulation> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const tokens: string[] = [];
  const revoked = new Set<number>();
  const key = { kid: 'default', algorithm: 'HS256' as const, key: BENCH_SECRET };
  try {
    for (let start = 0; start < options.count; start += BATCH) {
      const ids: string[] = [];
      const users: string[] = [];
      const nowMs = Date.now();
      const iat = nowMs / 1000;
      const exp = Math.floor(iat) + options.lifetimeSeconds;
      for (let n = start; n < Math.min(options.count, start + BATCH); n++) {
        const jti = newTokenId();
        const userId = `user-${n % options.users}`;
        tokens.push(signJws({
          iss: BENCH_ISSUER, sub: userId, aud: [BENCH_AUDIENCE], exp, nbf: Math.floor(iat), iat, jti, auth_time: iat,
        }, key));
        ids.push(jti);
        users.push(userId);
        if (n % options.revokeEvery === options.revokeEvery - 1) revoked.add(n);
      }
      const issuedAt = new Date(nowMs);
      const expiresAt = new Date(exp * 1000);
      await client.query(`
        WITH sessions AS (
          INSERT INTO token_sessions (session_id, user_id, created_at, last_active_at, expires_at)
          SELECT id, user_id, $3, $3, $4 FROM unnest($1::varchar[], $2::varchar[]) AS t(id, user_id)
        )
        INSERT INTO issued_tokens (jti, user_id, session_id, token_use, issued_at, expires_at, key_id)
        SELECT id, user_id, id, 'access', $3, $4, 'default' FROM unnest($1::varchar[], $2::varchar[]) AS t(id, user_id)`,
      [ids, users, issuedAt, expiresAt]);
      const revokedIds = ids.filter((_, offset) => revoked.has(start + offset));
      if (revokedIds.length > 0) {
        await client.query(`SELECT count(*) FROM token_tracking_revoke_sessions($1::varchar[], now(), 'benchmark')`, [revokedIds]);
      }
    }
    await client.query('VACUUM ANALYZE token_sessions, issued_tokens, revoked_tokens');
  } finally {
    await client.end();
  }
  return { tokens, revoked };
}
