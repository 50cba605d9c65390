-- CreateTable
CREATE TABLE "registry_events" (
    "id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "repository" TEXT NOT NULL,
    "tag" TEXT,
    "digest" TEXT,
    "media_type" TEXT,
    "occurred_at" TIMESTAMP(3) NOT NULL,
    "received_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "applied_at" TIMESTAMP(3),
    "outcome" TEXT,

    CONSTRAINT "registry_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tag_event_marks" (
    "repository" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "occurred_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "tag_event_marks_pkey" PRIMARY KEY ("repository","tag")
);

-- CreateIndex
CREATE INDEX "registry_events_applied_at_occurred_at_idx" ON "registry_events"("applied_at", "occurred_at");

-- CreateIndex
CREATE INDEX "tag_event_marks_occurred_at_idx" ON "tag_event_marks"("occurred_at");
