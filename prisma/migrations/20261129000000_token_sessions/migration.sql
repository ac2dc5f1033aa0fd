-- Sessions become rows of their own. The cap counts them, listings show
-- them, idle and absolute lifetimes are judged on them, and a revocation
-- revokes a session (all of its tokens) by marking one row.
CREATE TABLE "token_sessions" (
    "session_id" VARCHAR(64) NOT NULL,
    "user_id" VARCHAR(255) NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "last_active_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_reason" VARCHAR(64),
    "client_ip" VARCHAR(45),
    "user_agent" VARCHAR(512),

    CONSTRAINT "token_sessions_pkey" PRIMARY KEY ("session_id")
);

-- A user's active sessions (revoked_at IS NULL, expires_at in the future)
-- are one range of this index: the cap's count and the listing read only
-- them. Partial, so that revoked sessions waiting for the purge do not
-- bloat it, and so that it stays the planner's first choice for those
-- queries even on statistics gathered while the table was empty (a
-- login's cached plan is otherwise free to walk every unrevoked session).
CREATE INDEX "token_sessions_user_id_expires_at_idx" ON "token_sessions"("user_id", "expires_at") WHERE "revoked_at" IS NULL;
-- Unrevoked sessions by last activity: what the idle-timeout sweep walks.
CREATE INDEX "token_sessions_revoked_at_last_active_at_idx" ON "token_sessions"("revoked_at", "last_active_at");
-- The purge walks ended sessions in expiry order.
CREATE INDEX "token_sessions_expires_at_idx" ON "token_sessions"("expires_at");

-- Existing tokens: one session per session id, revoked if any token of it
-- was (a revocation always took the whole session), active until its last
-- token expires.
INSERT INTO "token_sessions" ("session_id", "user_id", "created_at", "last_active_at", "expires_at", "revoked_at", "revoked_reason", "client_ip", "user_agent")
SELECT "session_id",
       min("user_id"),
       min("issued_at"),
       greatest(max("issued_at"), max("last_used_at")),
       max("expires_at"),
       max("revoked_at"),
       (array_agg("revoked_reason" ORDER BY "revoked_at" DESC NULLS LAST))[1],
       (array_agg("client_ip" ORDER BY "issued_at" DESC))[1],
       (array_agg("user_agent" ORDER BY "issued_at" DESC))[1]
  FROM "issued_tokens"
 GROUP BY "session_id"
 ORDER BY min("issued_at");

-- Per-token state that now lives on the session.
DROP INDEX "issued_tokens_user_id_expires_at_idx";
ALTER TABLE "issued_tokens" DROP COLUMN "revoked_at",
DROP COLUMN "revoked_reason",
DROP COLUMN "last_used_at",
-- A rotated refresh token points at the refresh token that replaced it, and
-- every refresh token at the access token issued with it, so that a retried
-- refresh within the grace period gets the same pair back.
ADD COLUMN "replaced_by" VARCHAR(64),
ADD COLUMN "access_jti" VARCHAR(64),
-- The signing key, so that an operator can tell when a retired key signed
-- its last unexpired token.
ADD COLUMN "key_id" VARCHAR(64);

-- The deny-list holds revoked ids: a session's id (every token carrying it
-- is refused) or the jti of a token that was never tracked.
ALTER TABLE "revoked_tokens" RENAME COLUMN "jti" TO "id";
ALTER TABLE "revoked_tokens" ADD COLUMN "kind" VARCHAR(8) NOT NULL DEFAULT 'token';
