-- CreateTable
CREATE TABLE "gc_webhook_waits" (
    "id" UUID NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completion" JSONB,
    "completed_at" TIMESTAMP(3),

    CONSTRAINT "gc_webhook_waits_pkey" PRIMARY KEY ("id")
);
