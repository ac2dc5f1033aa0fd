-- A session's ten-minute step (`last_active_bucket`) may now lag its last
-- use; it may still never be ahead of it. The idle sweep reads every step up
-- to its cutoff's and keeps the rows whose `last_active_at` is at or before
-- the cutoff, so a step too low costs the sweep a read, while a step too
-- high could hide an idle session.
--
-- Until now the trigger moved the step with every write of last use, and a
-- write that crossed into the next step could not be HOT: about one session
-- write in ten at the defaults, and every first use that came ten minutes or
-- more after the login. Now the trigger only sets the step of a new row (or
-- of one with none) and pulls back a step set ahead of its last use. The
-- writers move it forward: the last-use recorder, only with
-- `sessionIdleTimeout` and only once the step lags the use by the timeout
-- (at most an hour) less two intervals; a refresh, whose update is not HOT
-- anyway. Without `sessionIdleTimeout` nothing reads the step, and a
-- recorded use changes no indexed column (HOT whenever its page has room).
--
-- Expand only: an instance of the previous version writes last use without
-- a step; its sessions' steps lag, which costs the sweep a read. One
-- catalogue change (the trigger's condition), no table rewrite, no index
-- build: once granted, its lock on `token_sessions` is held for
-- milliseconds, but it waits behind open writes to the table, and writes
-- queue behind it meanwhile.
CREATE OR REPLACE TRIGGER "token_sessions_bucket_activity" BEFORE INSERT OR UPDATE OF "last_active_at", "last_active_bucket" ON "token_sessions"
    FOR EACH ROW
    WHEN (NEW.last_active_bucket IS NULL OR NEW.last_active_bucket > token_tracking_activity_bucket(NEW.last_active_at))
    EXECUTE FUNCTION "token_tracking_bucket_activity"();
