-- Sessions: tokens that belong together (an access/refresh pair and its
-- rotations). A token issued before this migration is a session of its own.
ALTER TABLE "issued_tokens" ADD COLUMN "session_id" VARCHAR(64);
UPDATE "issued_tokens" SET "session_id" = "jti";
ALTER TABLE "issued_tokens" ALTER COLUMN "session_id" SET NOT NULL;

ALTER TABLE "issued_tokens" ADD COLUMN "token_use" VARCHAR(16) NOT NULL DEFAULT 'access',
ADD COLUMN "rotated_at" TIMESTAMPTZ(3),
ADD COLUMN "last_used_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "issued_tokens_session_id_idx" ON "issued_tokens"("session_id");
