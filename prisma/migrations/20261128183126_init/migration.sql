-- CreateTable
CREATE TABLE "repositories" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "tag_count" INTEGER NOT NULL DEFAULT 0,
    "size_bytes" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMP(3),
    "first_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_synced_at" TIMESTAMP(3),
    "last_error" TEXT,

    CONSTRAINT "repositories_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tags" (
    "repository_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "changed_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tags_pkey" PRIMARY KEY ("repository_id","name")
);

-- CreateTable
CREATE TABLE "manifests" (
    "digest" TEXT NOT NULL,
    "media_type" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "raw" TEXT NOT NULL,
    "manifest_bytes" INTEGER NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "config_digest" TEXT,
    "config_media_type" TEXT,
    "artifact_type" TEXT,
    "subject_digest" TEXT,
    "annotations" JSONB,
    "fetched_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "manifests_pkey" PRIMARY KEY ("digest")
);

-- CreateTable
CREATE TABLE "image_configs" (
    "digest" TEXT NOT NULL,
    "media_type" TEXT NOT NULL,
    "created" TIMESTAMP(3),
    "os" TEXT,
    "architecture" TEXT,
    "variant" TEXT,
    "author" TEXT,
    "raw" TEXT NOT NULL,

    CONSTRAINT "image_configs_pkey" PRIMARY KEY ("digest")
);

-- CreateTable
CREATE TABLE "index_children" (
    "index_digest" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "child_digest" TEXT NOT NULL,
    "media_type" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "os" TEXT,
    "architecture" TEXT,
    "variant" TEXT,
    "os_version" TEXT,
    "attestation" BOOLEAN NOT NULL DEFAULT false,
    "annotations" JSONB,

    CONSTRAINT "index_children_pkey" PRIMARY KEY ("index_digest","position")
);

-- CreateTable
CREATE TABLE "manifest_layers" (
    "manifest_digest" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "blob_digest" TEXT NOT NULL,
    "media_type" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "annotations" JSONB,

    CONSTRAINT "manifest_layers_pkey" PRIMARY KEY ("manifest_digest","position")
);

-- CreateTable
CREATE TABLE "blobs" (
    "digest" TEXT NOT NULL,
    "media_type" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL,

    CONSTRAINT "blobs_pkey" PRIMARY KEY ("digest")
);

-- CreateTable
CREATE TABLE "sync_runs" (
    "id" SERIAL NOT NULL,
    "trigger" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),
    "repositories_total" INTEGER NOT NULL DEFAULT 0,
    "repositories_done" INTEGER NOT NULL DEFAULT 0,
    "tags" INTEGER NOT NULL DEFAULT 0,
    "manifests_fetched" INTEGER NOT NULL DEFAULT 0,
    "configs_fetched" INTEGER NOT NULL DEFAULT 0,
    "manifest_heads" INTEGER NOT NULL DEFAULT 0,
    "catalog_requests" INTEGER NOT NULL DEFAULT 0,
    "tag_list_requests" INTEGER NOT NULL DEFAULT 0,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "message" TEXT,

    CONSTRAINT "sync_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_errors" (
    "id" SERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "repository" TEXT,
    "code" TEXT NOT NULL,
    "message" TEXT NOT NULL,

    CONSTRAINT "sync_errors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "registry_status" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "reachable" BOOLEAN NOT NULL,
    "checked_at" TIMESTAMP(3) NOT NULL,
    "last_success_at" TIMESTAMP(3),
    "error" TEXT,

    CONSTRAINT "registry_status_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "repositories_name_key" ON "repositories"("name");

-- CreateIndex
CREATE INDEX "repositories_updated_at_idx" ON "repositories"("updated_at");

-- CreateIndex
CREATE INDEX "repositories_size_bytes_idx" ON "repositories"("size_bytes");

-- CreateIndex
CREATE INDEX "repositories_tag_count_idx" ON "repositories"("tag_count");

-- CreateIndex
CREATE INDEX "tags_digest_idx" ON "tags"("digest");

-- CreateIndex
CREATE INDEX "manifests_subject_digest_idx" ON "manifests"("subject_digest");

-- CreateIndex
CREATE INDEX "manifests_config_digest_idx" ON "manifests"("config_digest");

-- CreateIndex
CREATE INDEX "index_children_child_digest_idx" ON "index_children"("child_digest");

-- CreateIndex
CREATE INDEX "manifest_layers_blob_digest_idx" ON "manifest_layers"("blob_digest");

-- CreateIndex
CREATE INDEX "sync_runs_started_at_idx" ON "sync_runs"("started_at");

-- CreateIndex
CREATE INDEX "sync_errors_run_id_idx" ON "sync_errors"("run_id");

-- AddForeignKey
ALTER TABLE "tags" ADD CONSTRAINT "tags_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tags" ADD CONSTRAINT "tags_digest_fkey" FOREIGN KEY ("digest") REFERENCES "manifests"("digest") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "index_children" ADD CONSTRAINT "index_children_index_digest_fkey" FOREIGN KEY ("index_digest") REFERENCES "manifests"("digest") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "manifest_layers" ADD CONSTRAINT "manifest_layers_manifest_digest_fkey" FOREIGN KEY ("manifest_digest") REFERENCES "manifests"("digest") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "manifest_layers" ADD CONSTRAINT "manifest_layers_blob_digest_fkey" FOREIGN KEY ("blob_digest") REFERENCES "blobs"("digest") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sync_errors" ADD CONSTRAINT "sync_errors_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "sync_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
