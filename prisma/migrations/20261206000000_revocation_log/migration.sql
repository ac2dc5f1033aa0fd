-- The revocation tables become a log that any connection can follow. Each
-- row carries the id of the transaction that last wrote it (its xid8, as a
-- bigint), stamped by a trigger so that every writer, including the SQL
-- functions of earlier versions, stamps it. An instance reads what changed
-- since its last read as "rows whose writer was not yet visible in the
-- snapshot of that read": a commit order test, not a sequence, so that a
-- transaction that took its number early and committed late is never
-- skipped. A statement of its own through any pool, a transaction-mode
-- pooler or a hot standby can run it; LISTEN/NOTIFY stays a wake-up only.
--
-- Expand only: both columns are nullable and written by the trigger, so an
-- instance of the previous version keeps inserting exactly as before. Rows
-- written before this migration have no writer and are read by full loads.
ALTER TABLE "revoked_tokens" ADD COLUMN "writer_xid" BIGINT;
ALTER TABLE "user_token_watermarks" ADD COLUMN "writer_xid" BIGINT;

CREATE FUNCTION "token_tracking_stamp_writer"()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.writer_xid := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END;
$$;

CREATE TRIGGER "revoked_tokens_stamp_writer" BEFORE INSERT OR UPDATE ON "revoked_tokens"
    FOR EACH ROW EXECUTE FUNCTION "token_tracking_stamp_writer"();
CREATE TRIGGER "user_token_watermarks_stamp_writer" BEFORE INSERT OR UPDATE ON "user_token_watermarks"
    FOR EACH ROW EXECUTE FUNCTION "token_tracking_stamp_writer"();

-- A read since a snapshot walks the rows written from that snapshot's xmin on.
CREATE INDEX "revoked_tokens_writer_xid_idx" ON "revoked_tokens"("writer_xid");
CREATE INDEX "user_token_watermarks_writer_xid_idx" ON "user_token_watermarks"("writer_xid");
