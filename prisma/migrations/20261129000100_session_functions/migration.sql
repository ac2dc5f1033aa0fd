-- The writes of nestjs-token-tracking that must be atomic, each one round
-- trip. Every revocation goes through token_tracking_revoke_sessions, which
-- announces what it revoked on the NOTIFY channel token_tracking_revocations
-- in the same transaction: delivered to every listening instance if, and
-- only when, the revocation commits.

-- Announces deny-list entries as {"r": [[id, expires_at_ms], ...]}, with a
-- third element, the user, for a token's entry that belongs to one user;
-- fifteen per notification, so that one stays well under NOTIFY's
-- 8000-byte limit.
CREATE FUNCTION "token_tracking_announce"("p_ids" VARCHAR[], "p_expires_at" TIMESTAMPTZ[], "p_user_ids" VARCHAR[])
RETURNS INTEGER
LANGUAGE sql
VOLATILE
AS $$
    SELECT count(*)::integer
      FROM (SELECT json_build_object('r', json_agg(
                       CASE WHEN e.user_id IS NULL
                            THEN json_build_array(e.id, floor(extract(epoch FROM e.expires_at) * 1000)::bigint)
                            ELSE json_build_array(e.id, floor(extract(epoch FROM e.expires_at) * 1000)::bigint, e.user_id) END
                       ORDER BY e.n))::text AS payload
              FROM unnest(p_ids, p_expires_at, p_user_ids) WITH ORDINALITY AS e(id, expires_at, user_id, n)
             WHERE e.id IS NOT NULL
             GROUP BY (e.n - 1) / 15) AS chunk,
           LATERAL pg_notify('token_tracking_revocations', chunk.payload) AS sent;
$$;

-- Revokes the sessions that are not revoked yet: marks them, deny-lists
-- their ids until their last token expires (an entry whose tokens have
-- expired already is harmless: the purge drops it once no clock tolerance
-- can accept them), and announces the entries. Returns the sessions it
-- revoked (none for one already revoked, so that of two concurrent
-- revocations exactly one reports success).
CREATE FUNCTION "token_tracking_revoke_sessions"("p_session_ids" VARCHAR[], "p_at" TIMESTAMPTZ, "p_reason" VARCHAR)
RETURNS TABLE ("revoked_session_id" VARCHAR, "revoked_user_id" VARCHAR)
LANGUAGE sql
VOLATILE
AS $$
    WITH revoked AS (
        UPDATE token_sessions AS s SET revoked_at = p_at, revoked_reason = p_reason
         WHERE s.session_id = ANY(p_session_ids) AND s.revoked_at IS NULL
        RETURNING s.session_id, s.user_id, s.expires_at
    ), denied AS (
        INSERT INTO revoked_tokens (id, kind, user_id, expires_at, revoked_at, reason)
        SELECT r.session_id, 'session', r.user_id, r.expires_at, p_at, p_reason FROM revoked AS r
        ON CONFLICT (id) DO NOTHING
        RETURNING id, expires_at
    ), announced AS (
        SELECT token_tracking_announce(array_agg(d.id), array_agg(d.expires_at), NULL::varchar[]) AS notifications FROM denied AS d
    )
    SELECT r.session_id, r.user_id FROM revoked AS r CROSS JOIN announced;
$$;

-- Records a new session and its tokens. With p_max_sessions > 0 the user's
-- advisory lock (first key: the library's namespace, "TTrk") serialises
-- issuance per user across every connection and application instance, and
-- the count below, a statement of its own with a fresh READ COMMITTED
-- snapshot, sees every session committed by the previous holder: counting
-- and inserting are one step. At the cap it returns NULL and records
-- nothing, or (p_evict_oldest) revokes the sessions recorded first until
-- one more fits. Returns the evicted session ids otherwise.
--
-- A session is active while it is not revoked, its last token has not
-- expired, it was used after p_idle_cutoff and created after
-- p_created_cutoff (either cutoff NULL when that policy is off).
CREATE FUNCTION "token_tracking_start_session"(
    "p_session_id" VARCHAR,
    "p_user_id" VARCHAR,
    "p_max_sessions" INTEGER,
    "p_evict_oldest" BOOLEAN,
    "p_now" TIMESTAMPTZ,
    "p_idle_cutoff" TIMESTAMPTZ,
    "p_created_cutoff" TIMESTAMPTZ,
    "p_client_ip" VARCHAR,
    "p_user_agent" VARCHAR,
    "p_jtis" VARCHAR[],
    "p_token_uses" VARCHAR[],
    "p_issued_at" TIMESTAMPTZ[],
    "p_expires_at" TIMESTAMPTZ[],
    "p_key_ids" VARCHAR[],
    "p_access_jtis" VARCHAR[]
) RETURNS VARCHAR[]
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    v_active INTEGER;
    v_evicted VARCHAR[] := '{}';
BEGIN
    IF p_max_sessions > 0 THEN
        PERFORM pg_advisory_xact_lock(1414820459, hashtext(p_user_id));
        SELECT count(*) INTO v_active
          FROM token_sessions AS s
         WHERE s.user_id = p_user_id AND s.revoked_at IS NULL AND s.expires_at > p_now
           AND (p_idle_cutoff IS NULL OR s.last_active_at > p_idle_cutoff)
           AND (p_created_cutoff IS NULL OR s.created_at > p_created_cutoff);
        IF v_active >= p_max_sessions THEN
            IF NOT p_evict_oldest THEN
                RETURN NULL;
            END IF;
            SELECT coalesce(array_agg(r.revoked_session_id), '{}') INTO v_evicted
              FROM token_tracking_revoke_sessions(ARRAY(
                       SELECT s.session_id
                         FROM token_sessions AS s
                        WHERE s.user_id = p_user_id AND s.revoked_at IS NULL AND s.expires_at > p_now
                          AND (p_idle_cutoff IS NULL OR s.last_active_at > p_idle_cutoff)
                          AND (p_created_cutoff IS NULL OR s.created_at > p_created_cutoff)
                        ORDER BY s.seq
                        LIMIT v_active - p_max_sessions + 1),
                   p_now, 'evicted') AS r;
        END IF;
    END IF;
    INSERT INTO token_sessions (session_id, user_id, created_at, last_active_at, expires_at, client_ip, user_agent)
    VALUES (p_session_id, p_user_id, p_issued_at[1], p_issued_at[1],
            (SELECT max(e) FROM unnest(p_expires_at) AS e), p_client_ip, p_user_agent);
    INSERT INTO issued_tokens (jti, user_id, session_id, token_use, issued_at, expires_at, client_ip, user_agent, key_id, access_jti)
    SELECT t.jti, p_user_id, p_session_id, t.token_use, t.issued_at, t.expires_at, p_client_ip, p_user_agent, t.key_id, t.access_jti
      FROM unnest(p_jtis, p_token_uses, p_issued_at, p_expires_at, p_key_ids, p_access_jtis)
           AS t(jti, token_use, issued_at, expires_at, key_id, access_jti);
    RETURN v_evicted;
END;
$$;

-- Revoke-all: under the user's lock (so no login can slip between the
-- watermark and the sessions), raises the user's watermark to p_at (every
-- token issued before then is refused, tracked or not) and revokes every
-- session whose last token expired after p_expired_by (still accepted,
-- given the clock tolerance), so that tracked tokens stay refused whatever
-- the clocks of the instances that issued them say. Returns those sessions.
CREATE FUNCTION "token_tracking_revoke_all"("p_user_id" VARCHAR, "p_at" TIMESTAMPTZ, "p_reason" VARCHAR, "p_expired_by" TIMESTAMPTZ)
RETURNS TABLE ("revoked_session_id" VARCHAR)
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    v_watermark TIMESTAMPTZ;
BEGIN
    PERFORM pg_advisory_xact_lock(1414820459, hashtext(p_user_id));
    INSERT INTO user_token_watermarks AS w (user_id, revoked_before) VALUES (p_user_id, p_at)
    ON CONFLICT (user_id) DO UPDATE SET revoked_before = greatest(w.revoked_before, EXCLUDED.revoked_before)
    RETURNING w.revoked_before INTO v_watermark;
    PERFORM pg_notify('token_tracking_revocations',
        json_build_object('w', json_build_array(p_user_id, floor(extract(epoch FROM v_watermark) * 1000)::bigint))::text);
    RETURN QUERY
    SELECT r.revoked_session_id
      FROM token_tracking_revoke_sessions(ARRAY(
               SELECT s.session_id FROM token_sessions AS s
                WHERE s.user_id = p_user_id AND s.revoked_at IS NULL AND s.expires_at > p_expired_by),
           p_at, p_reason) AS r;
END;
$$;

-- Replaced by token_tracking_start_session.
DROP FUNCTION "token_tracking_insert_below_cap"(VARCHAR, INTEGER, TIMESTAMPTZ, VARCHAR[], VARCHAR[], VARCHAR[], TIMESTAMPTZ[], TIMESTAMPTZ[], VARCHAR[], VARCHAR[]);
