-- token_tracking_start_sessions counts each login's active sessions with a
-- parameterised query. On a table that holds many expired or revoked rows
-- (a long-running service between purges), PostgreSQL's estimate for a
-- custom plan is always lower than for the generic one, so it planned that
-- count again for every login: with 10 million rows, a third more database
-- time per login than with 10 thousand. The generic plan (the partial index
-- over a user's unrevoked sessions) is the right one whatever the values;
-- plan it once per connection. It is still replanned when ANALYZE changes
-- the table's statistics.
ALTER FUNCTION "token_tracking_start_sessions"(
    VARCHAR[], VARCHAR[], INTEGER[], BOOLEAN[], TIMESTAMPTZ[], TIMESTAMPTZ[], TIMESTAMPTZ[], VARCHAR[], VARCHAR[],
    INTEGER[], VARCHAR[], VARCHAR[], TIMESTAMPTZ[], TIMESTAMPTZ[], VARCHAR[], VARCHAR[]
) SET plan_cache_mode = force_generic_plan;
