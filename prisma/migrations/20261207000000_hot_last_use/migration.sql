-- Recording a session's use becomes a HOT update: PostgreSQL rewrites the
-- row in place on its page and touches no index, instead of writing a new
-- entry into every index of the table. That needs the updated column,
-- `last_active_at`, to be in no index; the idle sweep's index on it is
-- replaced by one on `last_active_bucket`, the same time in steps of ten
-- minutes, which changes at most once in ten minutes for each session while
-- `last_active_at` is written up to once a minute (`lastUsedIntervalSeconds`).
-- The sweep reads the buckets up to its cutoff's and keeps the rows whose
-- `last_active_at` is at or before the cutoff.
--
-- Expand only. A trigger keeps the bucket equal to the bucket of
-- `last_active_at` on every insert and update, whoever writes the row
-- (instances of the previous version too); its condition is evaluated
-- without calling the function, so an update that stays in its bucket pays
-- for an expression only. Revoked sessions are never swept, so the index
-- holds unrevoked ones only and their bucket is not backfilled.
--
-- The previous version's idle sweep looked for idle sessions on the index
-- dropped here: until every instance runs this version, its sweeps read the
-- table (correct, slower). Its other queries do not use that index.
ALTER TABLE "token_sessions" ADD COLUMN "last_active_bucket" INTEGER;

-- Ten-minute steps since the epoch. IMMUTABLE though extract() is only
-- STABLE: the epoch of a timestamptz does not depend on the time zone.
CREATE FUNCTION "token_tracking_activity_bucket"(at TIMESTAMPTZ)
RETURNS INTEGER
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$ SELECT floor(extract(epoch FROM at) / 600)::integer $$;

CREATE FUNCTION "token_tracking_bucket_activity"()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.last_active_bucket := token_tracking_activity_bucket(NEW.last_active_at);
    RETURN NEW;
END;
$$;

CREATE TRIGGER "token_sessions_bucket_activity" BEFORE INSERT OR UPDATE OF "last_active_at", "last_active_bucket" ON "token_sessions"
    FOR EACH ROW
    WHEN (NEW.last_active_bucket IS DISTINCT FROM token_tracking_activity_bucket(NEW.last_active_at))
    EXECUTE FUNCTION "token_tracking_bucket_activity"();

UPDATE "token_sessions" SET "last_active_bucket" = token_tracking_activity_bucket("last_active_at") WHERE "revoked_at" IS NULL;

CREATE INDEX "token_sessions_last_active_bucket_idx" ON "token_sessions"("last_active_bucket") WHERE "revoked_at" IS NULL;
DROP INDEX "token_sessions_revoked_at_last_active_at_idx";

-- Room on each page for the next version of its rows: a HOT update needs
-- the new version to fit on the row's own page. Half of each page, because
-- the last-use recorder writes up to 500 sessions in one statement, and the
-- versions a statement leaves behind cannot be pruned to make room before
-- it commits: sessions that logged in together share a page and are often
-- used together, and at 80 only about a quarter of their updates found room
-- (measured with sessions used in the order they logged in). The table takes
-- about twice the pages; an application whose sessions are rarely used can
-- set a higher fillfactor, which Prisma does not manage. Applies to pages
-- written from now on: an existing table gains it as rows move and vacuum
-- frees their pages.
ALTER TABLE "token_sessions" SET (fillfactor = 50);
