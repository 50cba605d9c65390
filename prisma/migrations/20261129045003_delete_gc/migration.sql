-- CreateTable
CREATE TABLE "registry_capabilities" (
    "registry" TEXT NOT NULL,
    "tag_delete" BOOLEAN,
    "delete_enabled" BOOLEAN,
    "checked_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "registry_capabilities_pkey" PRIMARY KEY ("registry")
);

-- CreateTable
CREATE TABLE "manifest_pulls" (
    "repository" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "last_pulled_at" TIMESTAMP(3) NOT NULL,
    "pulls" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "manifest_pulls_pkey" PRIMARY KEY ("repository","digest")
);

-- CreateTable
CREATE TABLE "gc_runs" (
    "id" SERIAL NOT NULL,
    "dry_run" BOOLEAN NOT NULL,
    "status" TEXT NOT NULL,
    "phase" TEXT,
    "trigger" TEXT NOT NULL,
    "requested_by" TEXT,
    "runner" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "repositories_marked" INTEGER NOT NULL DEFAULT 0,
    "blobs_marked" INTEGER NOT NULL DEFAULT 0,
    "blobs_eligible" INTEGER NOT NULL DEFAULT 0,
    "manifests_eligible" INTEGER NOT NULL DEFAULT 0,
    "blobs_deleted" INTEGER NOT NULL DEFAULT 0,
    "manifests_deleted" INTEGER NOT NULL DEFAULT 0,
    "untagged_deleted" INTEGER NOT NULL DEFAULT 0,
    "bytes_eligible" BIGINT NOT NULL DEFAULT 0,
    "bytes_freed" BIGINT NOT NULL DEFAULT 0,
    "log" TEXT NOT NULL DEFAULT '',
    "error" TEXT,

    CONSTRAINT "gc_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "retention_policies" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "repository_glob" TEXT NOT NULL,
    "keep_latest" INTEGER,
    "keep_tag_pattern" TEXT,
    "delete_older_than_days" INTEGER,
    "keep_pulled_within_days" INTEGER,
    "schedule" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "next_run_at" TIMESTAMP(3),

    CONSTRAINT "retention_policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "retention_runs" (
    "id" SERIAL NOT NULL,
    "policy_id" INTEGER NOT NULL,
    "dry_run" BOOLEAN NOT NULL,
    "trigger" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),
    "tags_deleted" INTEGER NOT NULL DEFAULT 0,
    "manifests_deleted" INTEGER NOT NULL DEFAULT 0,
    "bytes_freed" BIGINT NOT NULL DEFAULT 0,
    "plan" JSONB,
    "error" TEXT,

    CONSTRAINT "retention_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "gc_runs_created_at_idx" ON "gc_runs"("created_at");

-- CreateIndex
CREATE INDEX "gc_runs_status_idx" ON "gc_runs"("status");

-- CreateIndex
CREATE UNIQUE INDEX "retention_policies_name_key" ON "retention_policies"("name");

-- CreateIndex
CREATE INDEX "retention_runs_policy_id_started_at_idx" ON "retention_runs"("policy_id", "started_at");

-- AddForeignKey
ALTER TABLE "retention_runs" ADD CONSTRAINT "retention_runs_policy_id_fkey" FOREIGN KEY ("policy_id") REFERENCES "retention_policies"("id") ON DELETE CASCADE ON UPDATE CASCADE;
