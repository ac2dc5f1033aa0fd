-- CreateTable
CREATE TABLE "issued_tokens" (
    "jti" VARCHAR(64) NOT NULL,
    "user_id" VARCHAR(255) NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_reason" VARCHAR(64),
    "client_ip" VARCHAR(45),
    "user_agent" VARCHAR(512),

    CONSTRAINT "issued_tokens_pkey" PRIMARY KEY ("jti")
);

-- CreateTable
CREATE TABLE "revoked_tokens" (
    "jti" VARCHAR(64) NOT NULL,
    "user_id" VARCHAR(255),
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reason" VARCHAR(64),

    CONSTRAINT "revoked_tokens_pkey" PRIMARY KEY ("jti")
);

-- CreateTable
CREATE TABLE "user_token_watermarks" (
    "user_id" VARCHAR(255) NOT NULL,
    "revoked_before" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "user_token_watermarks_pkey" PRIMARY KEY ("user_id")
);

-- CreateIndex
CREATE INDEX "issued_tokens_user_id_expires_at_idx" ON "issued_tokens"("user_id", "expires_at");

-- CreateIndex
CREATE INDEX "issued_tokens_expires_at_idx" ON "issued_tokens"("expires_at");

-- CreateIndex
CREATE INDEX "revoked_tokens_expires_at_idx" ON "revoked_tokens"("expires_at");
