-- DropIndex
DROP INDEX "repositories_size_bytes_idx";

-- DropIndex
DROP INDEX "repositories_tag_count_idx";

-- DropIndex
DROP INDEX "repositories_updated_at_idx";

-- CreateIndex
CREATE INDEX "repositories_updated_at_name_idx" ON "repositories"("updated_at", "name");

-- CreateIndex
CREATE INDEX "repositories_size_bytes_name_idx" ON "repositories"("size_bytes", "name");

-- CreateIndex
CREATE INDEX "repositories_tag_count_name_idx" ON "repositories"("tag_count", "name");

-- CreateIndex
CREATE INDEX "repositories_name_trgm_idx" ON "repositories" USING GIN ("name" gin_trgm_ops);
