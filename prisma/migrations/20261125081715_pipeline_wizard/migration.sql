-- AlterTable
ALTER TABLE "PipelineVersion" ADD COLUMN     "wizard" JSONB;
