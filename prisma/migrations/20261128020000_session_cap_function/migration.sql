-- Records the tokens of a new session unless the user already has
-- p_max_sessions active sessions, in one round trip and atomically.
--
-- The advisory lock serialises one user's issuance across every connection
-- and application instance (first key: the library's namespace, "TTrk").
-- The lock is held until the caller's transaction ends: the end of this
-- statement when it is called on its own. In READ COMMITTED, each statement
-- of a PL/pgSQL function takes a fresh snapshot, so the count below, taken
-- after the lock, sees every session committed by the previous holder:
-- counting and inserting are one step.
CREATE FUNCTION "token_tracking_insert_below_cap"(
    "p_user_id" VARCHAR,
    "p_max_sessions" INTEGER,
    "p_now" TIMESTAMPTZ,
    "p_jtis" VARCHAR[],
    "p_session_ids" VARCHAR[],
    "p_token_uses" VARCHAR[],
    "p_issued_at" TIMESTAMPTZ[],
    "p_expires_at" TIMESTAMPTZ[],
    "p_client_ips" VARCHAR[],
    "p_user_agents" VARCHAR[]
) RETURNS BOOLEAN
LANGUAGE plpgsql
VOLATILE
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1414820459, hashtext(p_user_id));
    INSERT INTO issued_tokens (jti, user_id, session_id, token_use, issued_at, expires_at, client_ip, user_agent)
    SELECT t.jti, p_user_id, t.session_id, t.token_use, t.issued_at, t.expires_at, t.client_ip, t.user_agent
      FROM unnest(p_jtis, p_session_ids, p_token_uses, p_issued_at, p_expires_at, p_client_ips, p_user_agents)
           AS t(jti, session_id, token_use, issued_at, expires_at, client_ip, user_agent)
     WHERE (SELECT count(DISTINCT session_id) FROM issued_tokens
             WHERE user_id = p_user_id AND revoked_at IS NULL AND rotated_at IS NULL
               AND expires_at > p_now) < p_max_sessions;
    RETURN FOUND;
END;
$$;
