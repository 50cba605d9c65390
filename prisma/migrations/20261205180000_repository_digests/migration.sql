-- CreateTable
CREATE TABLE "repository_digests" (
    "repository_id" INTEGER NOT NULL,
    "digest" TEXT NOT NULL,
    "tag_count" INTEGER NOT NULL,

    CONSTRAINT "repository_digests_pkey" PRIMARY KEY ("repository_id","digest")
);

-- AddForeignKey
ALTER TABLE "repository_digests" ADD CONSTRAINT "repository_digests_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repositories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- the counts of the repositories cached so far (new ones are written with their aggregates)
INSERT INTO "repository_digests" ("repository_id", "digest", "tag_count")
SELECT "repository_id", "digest", COUNT(*)::int FROM "tags" GROUP BY "repository_id", "digest";
