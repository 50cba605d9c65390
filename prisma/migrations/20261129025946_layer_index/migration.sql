-- CreateTable
CREATE TABLE "layer_indexes" (
    "digest" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "media_type" TEXT NOT NULL,
    "compressed_bytes" BIGINT NOT NULL,
    "bytes_read" BIGINT NOT NULL DEFAULT 0,
    "uncompressed_bytes" BIGINT,
    "file_count" INTEGER,
    "escaped_paths" INTEGER NOT NULL DEFAULT 0,
    "compression" TEXT,
    "repository" TEXT NOT NULL,
    "queued_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "layer_indexes_pkey" PRIMARY KEY ("digest")
);

-- CreateTable
CREATE TABLE "layer_files" (
    "digest" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "path" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "mode" INTEGER NOT NULL,
    "uid" INTEGER NOT NULL,
    "gid" INTEGER NOT NULL,
    "link_target" TEXT,
    "whiteout" BOOLEAN NOT NULL DEFAULT false,
    "opaque" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "layer_files_pkey" PRIMARY KEY ("digest","seq")
);

-- CreateIndex
CREATE INDEX "layer_indexes_status_idx" ON "layer_indexes"("status");

-- CreateIndex
CREATE INDEX "layer_files_digest_path_idx" ON "layer_files"("digest", "path");

-- AddForeignKey
ALTER TABLE "layer_files" ADD CONSTRAINT "layer_files_digest_fkey" FOREIGN KEY ("digest") REFERENCES "layer_indexes"("digest") ON DELETE CASCADE ON UPDATE CASCADE;
