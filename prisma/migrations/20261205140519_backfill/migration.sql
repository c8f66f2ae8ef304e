-- CreateTable
CREATE TABLE "Backfill" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "pipelineId" TEXT NOT NULL,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "request" JSONB NOT NULL,
    "runJobId" TEXT NOT NULL,
    "validateJobId" TEXT,
    "cutoverJobId" TEXT,
    "abortJobId" TEXT,
    "abortedAt" TIMESTAMP(3),

    CONSTRAINT "Backfill_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Backfill_pipelineId_createdAt_idx" ON "Backfill"("pipelineId", "createdAt");
