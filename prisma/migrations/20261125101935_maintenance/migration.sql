-- CreateEnum
CREATE TYPE "MaintenanceRunStatus" AS ENUM ('SENT', 'RUNNING', 'FINISHED', 'FAILED');

-- CreateTable
CREATE TABLE "MaintenancePolicy" (
    "pipelineId" TEXT NOT NULL,
    "settings" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MaintenancePolicy_pkey" PRIMARY KEY ("pipelineId")
);

-- CreateTable
CREATE TABLE "MaintenanceRun" (
    "id" TEXT NOT NULL,
    "pipelineId" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "requestedById" TEXT,
    "status" "MaintenanceRunStatus" NOT NULL DEFAULT 'SENT',
    "sentAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "result" JSONB,
    "error" TEXT,

    CONSTRAINT "MaintenanceRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "MaintenanceRun_jobId_key" ON "MaintenanceRun"("jobId");

-- CreateIndex
CREATE INDEX "MaintenanceRun_pipelineId_kind_sentAt_idx" ON "MaintenanceRun"("pipelineId", "kind", "sentAt");

-- AddForeignKey
ALTER TABLE "MaintenancePolicy" ADD CONSTRAINT "MaintenancePolicy_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MaintenanceRun" ADD CONSTRAINT "MaintenanceRun_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;
