-- AlterTable
ALTER TABLE "layer_indexes" ADD COLUMN     "escaped_names" JSONB;
