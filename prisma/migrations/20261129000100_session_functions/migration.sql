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

-- Records new sessions and their tokens: the logins an application
-- instance received during one turn of its event loop, in one statement.
-- Session i is p_session_ids[i] with the i-th element of every p_* array up
-- to p_user_agents; its tokens are the entries of the token arrays whose
-- p_token_sessions is i.
--
-- For each session with p_max_sessions[i] > 0 the user's advisory lock
-- (first key: the library's namespace, "TTrk") serialises issuance per user
-- across every connection and application instance. The locks are all
-- taken first, in ascending key order, so that two batches sharing users
-- cannot deadlock. Each count below is a statement of its own with a fresh
-- READ COMMITTED snapshot: it sees every session committed by the previous
-- holder of the lock, and the sessions recorded earlier in this batch, so
-- counting and inserting are one step. At the cap a session is refused and
-- nothing of it recorded, or (p_evict_oldest[i]) the user's sessions
-- recorded first are evicted until one more fits: set aside (later counts
-- leave them out), then revoked together at the end, as one revocation.
--
-- Returns one row per session, in order: the ids of the sessions its login
-- evicted, or NULL when it was refused.
--
-- A session is active while it is not revoked, its last token has not
-- expired, it was used after its idle cutoff and created after its created
-- cutoff (either cutoff NULL when that policy is off).
CREATE FUNCTION "token_tracking_start_sessions"(
    "p_session_ids" VARCHAR[],
    "p_user_ids" VARCHAR[],
    "p_max_sessions" INTEGER[],
    "p_evict_oldest" BOOLEAN[],
    "p_now" TIMESTAMPTZ[],
    "p_idle_cutoffs" TIMESTAMPTZ[],
    "p_created_cutoffs" TIMESTAMPTZ[],
    "p_client_ips" VARCHAR[],
    "p_user_agents" VARCHAR[],
    "p_token_sessions" INTEGER[],
    "p_jtis" VARCHAR[],
    "p_token_uses" VARCHAR[],
    "p_issued_at" TIMESTAMPTZ[],
    "p_expires_at" TIMESTAMPTZ[],
    "p_key_ids" VARCHAR[],
    "p_access_jtis" VARCHAR[]
) RETURNS TABLE ("session_index" INTEGER, "evicted" VARCHAR[])
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    v_lock_key INTEGER;
    v_active INTEGER;
    v_recorded INTEGER[] := '{}';
    v_refused INTEGER[] := '{}';
    -- Sessions to evict, and for each the login (its index) that evicts it.
    v_evicting VARCHAR[] := '{}';
    v_evicted_by INTEGER[] := '{}';
    v_revoked VARCHAR[] := '{}';
BEGIN
    FOR v_lock_key IN
        SELECT DISTINCT hashtext(u.user_id) AS lock_key
          FROM unnest(p_user_ids, p_max_sessions) AS u(user_id, max_sessions)
         WHERE u.max_sessions > 0
         ORDER BY lock_key
    LOOP
        PERFORM pg_advisory_xact_lock(1414820459, v_lock_key);
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(p_session_ids, 1), 0) LOOP
        IF p_max_sessions[i] > 0 THEN
            SELECT count(*) INTO v_active
              FROM token_sessions AS s
             WHERE s.user_id = p_user_ids[i] AND s.revoked_at IS NULL AND s.expires_at > p_now[i]
               AND (p_idle_cutoffs[i] IS NULL OR s.last_active_at > p_idle_cutoffs[i])
               AND (p_created_cutoffs[i] IS NULL OR s.created_at > p_created_cutoffs[i])
               AND s.session_id <> ALL(v_evicting);
            IF v_active >= p_max_sessions[i] THEN
                IF NOT p_evict_oldest[i] THEN
                    v_refused := v_refused || i;
                    CONTINUE;
                END IF;
                SELECT v_evicting || array_agg(oldest.session_id), v_evicted_by || array_agg(i)
                  INTO v_evicting, v_evicted_by
                  FROM (SELECT s.session_id
                          FROM token_sessions AS s
                         WHERE s.user_id = p_user_ids[i] AND s.revoked_at IS NULL AND s.expires_at > p_now[i]
                           AND (p_idle_cutoffs[i] IS NULL OR s.last_active_at > p_idle_cutoffs[i])
                           AND (p_created_cutoffs[i] IS NULL OR s.created_at > p_created_cutoffs[i])
                           AND s.session_id <> ALL(v_evicting)
                         ORDER BY s.seq
                         LIMIT v_active - p_max_sessions[i] + 1) AS oldest;
            END IF;
        END IF;
        INSERT INTO token_sessions (session_id, user_id, created_at, last_active_at, expires_at, client_ip, user_agent)
        SELECT p_session_ids[i], p_user_ids[i], min(t.issued_at), min(t.issued_at), max(t.expires_at), p_client_ips[i], p_user_agents[i]
          FROM unnest(p_token_sessions, p_issued_at, p_expires_at) AS t(session_index, issued_at, expires_at)
         WHERE t.session_index = i;
        v_recorded := v_recorded || i;
    END LOOP;
    -- The tokens of every recorded session at once (none depends on them above).
    INSERT INTO issued_tokens (jti, user_id, session_id, token_use, issued_at, expires_at, client_ip, user_agent, key_id, access_jti)
    SELECT t.jti, p_user_ids[t.session_index], p_session_ids[t.session_index], t.token_use, t.issued_at, t.expires_at,
           p_client_ips[t.session_index], p_user_agents[t.session_index], t.key_id, t.access_jti
      FROM unnest(p_token_sessions, p_jtis, p_token_uses, p_issued_at, p_expires_at, p_key_ids, p_access_jtis)
           AS t(session_index, jti, token_use, issued_at, expires_at, key_id, access_jti)
     WHERE t.session_index = ANY(v_recorded);
    IF array_length(v_evicting, 1) > 0 THEN
        -- Stamped with the batch's latest clock reading: no eviction
        -- predates a session it evicts. A session another revocation took
        -- meanwhile is not reported as evicted.
        SELECT coalesce(array_agg(r.revoked_session_id), '{}') INTO v_revoked
          FROM token_tracking_revoke_sessions(v_evicting, (SELECT max(n) FROM unnest(p_now) AS n), 'evicted') AS r;
    END IF;
    RETURN QUERY
    SELECT login.n::integer,
           CASE WHEN login.n = ANY(v_refused) THEN NULL
                ELSE coalesce((SELECT array_agg(e.session_id ORDER BY e.ordinal)
                                 FROM unnest(v_evicting, v_evicted_by) WITH ORDINALITY AS e(session_id, login_index, ordinal)
                                WHERE e.login_index = login.n AND e.session_id = ANY(v_revoked)), '{}') END
      FROM generate_series(1, coalesce(array_length(p_session_ids, 1), 0)) AS login(n);
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

-- Replaced by token_tracking_start_sessions.
DROP FUNCTION "token_tracking_insert_below_cap"(VARCHAR, INTEGER, TIMESTAMPTZ, VARCHAR[], VARCHAR[], VARCHAR[], TIMESTAMPTZ[], TIMESTAMPTZ[], VARCHAR[], VARCHAR[]);
