-- AlterTable
ALTER TABLE "layer_chain_files" ADD COLUMN     "content_digest" TEXT;

-- AlterTable
ALTER TABLE "layer_files" ADD COLUMN     "content_digest" TEXT;

-- AlterTable
ALTER TABLE "layer_indexes" ADD COLUMN     "content_digests" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "refresh_started_at" TIMESTAMP(3);
