-- AlterTable
ALTER TABLE "layer_indexes" ADD COLUMN     "requeued_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "layer_chains" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "layer_count" INTEGER NOT NULL,
    "efficiency" JSONB,
    "findings" JSONB,
    "claimed_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "layer_chains_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "layer_chain_files" (
    "chain_id" TEXT NOT NULL,
    "key" BYTEA NOT NULL,
    "parent" BYTEA NOT NULL,
    "path" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "dir_bytes" BIGINT,
    "mode" INTEGER NOT NULL,
    "link_target" TEXT,
    "layer" INTEGER NOT NULL,
    "change" TEXT,
    "removed" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "layer_chain_files_pkey" PRIMARY KEY ("chain_id","key")
);

-- CreateIndex
CREATE INDEX "layer_chain_files_chain_id_parent_key_idx" ON "layer_chain_files"("chain_id", "parent", "key");

-- AddForeignKey
ALTER TABLE "layer_chain_files" ADD CONSTRAINT "layer_chain_files_chain_id_fkey" FOREIGN KEY ("chain_id") REFERENCES "layer_chains"("id") ON DELETE CASCADE ON UPDATE CASCADE;
