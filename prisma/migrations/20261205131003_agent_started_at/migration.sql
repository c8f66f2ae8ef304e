-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "startedAt" TIMESTAMP(3);
