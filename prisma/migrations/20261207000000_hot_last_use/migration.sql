-- Recording a session's use becomes a HOT update: PostgreSQL rewrites the
-- row on its own page and adds no index entry, instead of writing a new
-- entry into every index of the table. That needs the updated column,
-- `last_active_at`, to be in no index; the idle sweep's index on it is
-- replaced by one on `last_active_bucket`, the same time in steps of ten
-- minutes, which changes at most once in ten minutes for each session while
-- `last_active_at` is written up to once a minute (`lastUsedIntervalSeconds`).
-- The sweep reads the buckets up to its cutoff's (and rows with no bucket)
-- and keeps the rows whose `last_active_at` is at or before the cutoff.
--
-- Expand only. A trigger sets the bucket of every row inserted or updated,
-- whoever writes it (instances of the previous version too); its condition
-- is an expression, so an update that stays in its bucket calls no function.
-- Existing rows are not backfilled, which would rewrite every row while
-- holding this migration's lock: they get their bucket at their next
-- recorded use (that write is not HOT: it adds the row to the new index),
-- and until then the sweep finds them as rows with no bucket.
--
-- Locks: ADD COLUMN, the trigger and DROP INDEX are catalogue changes, but
-- run in one transaction the ACCESS EXCLUSIVE lock of ADD COLUMN is held
-- until the end, through CREATE INDEX, which reads the whole table (0.35 s
-- for 180,000 sessions on a two-core server): guarded requests answered
-- from the revocation replica go on, unless `sessionIdleTimeout` has them
-- read a session's last use; logins, refreshes and last-use writes wait for
-- it. Each statement can be run again after a partial run.
--
-- The previous version's idle sweep looked for idle sessions on the index
-- dropped here: until every instance runs this version, its sweeps read the
-- table (correct, slower). Its other statements are correct without it.
ALTER TABLE "token_sessions" ADD COLUMN IF NOT EXISTS "last_active_bucket" INTEGER;

-- Ten-minute steps since the epoch. Every part is IMMUTABLE (the time is
-- read in UTC, as a timestamp without zone), so the planner inlines it.
CREATE OR REPLACE FUNCTION "token_tracking_activity_bucket"(at TIMESTAMPTZ)
RETURNS INTEGER
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$ SELECT floor(extract(epoch FROM at AT TIME ZONE 'UTC') / 600)::integer $$;

-- The expression is repeated rather than called: the function would be
-- looked up on the writer's search_path, which need not name this schema.
CREATE OR REPLACE FUNCTION "token_tracking_bucket_activity"()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.last_active_bucket := floor(extract(epoch FROM NEW.last_active_at AT TIME ZONE 'UTC') / 600)::integer;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER "token_sessions_bucket_activity" BEFORE INSERT OR UPDATE OF "last_active_at", "last_active_bucket" ON "token_sessions"
    FOR EACH ROW
    WHEN (NEW.last_active_bucket IS DISTINCT FROM token_tracking_activity_bucket(NEW.last_active_at))
    EXECUTE FUNCTION "token_tracking_bucket_activity"();

CREATE INDEX IF NOT EXISTS "token_sessions_last_active_bucket_idx" ON "token_sessions"("last_active_bucket") WHERE "revoked_at" IS NULL;
DROP INDEX IF EXISTS "token_sessions_revoked_at_last_active_at_idx";

-- Room on each page for the next version of its rows: a HOT update needs
-- the new version to fit on the row's own page. Half of each page, because
-- the last-use recorder writes up to 500 sessions in one statement, and the
-- versions a statement leaves behind cannot be pruned to make room before
-- it commits: sessions that logged in together share a page and are often
-- used together, and at 80 only about a third of their updates found room
-- (measured with sessions used in the order they logged in). The table takes
-- about twice the pages; an application whose sessions are rarely used can
-- set a higher fillfactor, which Prisma does not manage. Applies to pages
-- written from now on: an existing table gains it as its rows move.
ALTER TABLE "token_sessions" SET (fillfactor = 50);
