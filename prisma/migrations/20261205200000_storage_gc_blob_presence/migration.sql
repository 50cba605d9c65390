-- CreateTable
CREATE TABLE "gc_run_items" (
    "run_id" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "bytes" BIGINT,
    "repositories" TEXT[],

    CONSTRAINT "gc_run_items_pkey" PRIMARY KEY ("run_id","action","digest")
);

-- CreateTable
CREATE TABLE "blob_presence" (
    "digest" TEXT NOT NULL,
    "present" BOOLEAN NOT NULL,
    "checked_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "blob_presence_pkey" PRIMARY KEY ("digest")
);

-- CreateTable
CREATE TABLE "storage_scans" (
    "id" SERIAL NOT NULL,
    "status" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "progress" JSONB,
    "result" JSONB,
    "error" TEXT,

    CONSTRAINT "storage_scans_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "blob_presence_present_idx" ON "blob_presence"("present");

-- CreateIndex
CREATE INDEX "storage_scans_status_idx" ON "storage_scans"("status");

-- AddForeignKey
ALTER TABLE "gc_run_items" ADD CONSTRAINT "gc_run_items_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "gc_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
