-- AlterTable
ALTER TABLE "Contract" ADD COLUMN     "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
CREATE TABLE "FreshnessState" (
    "pipelineId" TEXT NOT NULL,
    "evaluatedUntil" TIMESTAMP(3) NOT NULL,
    "progress" JSONB,

    CONSTRAINT "FreshnessState_pkey" PRIMARY KEY ("pipelineId")
);

-- CreateTable
CREATE TABLE "FreshnessDay" (
    "pipelineId" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "evaluated" BYTEA NOT NULL,
    "withinSlo" BYTEA NOT NULL,
    "worstSeconds" INTEGER,

    CONSTRAINT "FreshnessDay_pkey" PRIMARY KEY ("pipelineId","day")
);

-- CreateTable
CREATE TABLE "Incident" (
    "id" TEXT NOT NULL,
    "pipelineId" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "resolvedAt" TIMESTAMP(3),
    "peakSeconds" INTEGER,
    "sloMinutes" INTEGER NOT NULL,

    CONSTRAINT "Incident_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertDestination" (
    "id" TEXT NOT NULL,
    "contractId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "signingSecretEncrypted" TEXT NOT NULL,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertDestination_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertDelivery" (
    "id" TEXT NOT NULL,
    "destinationId" TEXT NOT NULL,
    "incidentId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3),
    "lastStatus" INTEGER,
    "lastError" TEXT,
    "deliveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Incident_pipelineId_startedAt_idx" ON "Incident"("pipelineId", "startedAt");

-- CreateIndex
CREATE INDEX "AlertDestination_contractId_idx" ON "AlertDestination"("contractId");

-- CreateIndex
CREATE INDEX "AlertDelivery_nextAttemptAt_idx" ON "AlertDelivery"("nextAttemptAt");

-- CreateIndex
CREATE INDEX "AlertDelivery_destinationId_createdAt_idx" ON "AlertDelivery"("destinationId", "createdAt");

-- AddForeignKey
ALTER TABLE "FreshnessState" ADD CONSTRAINT "FreshnessState_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FreshnessDay" ADD CONSTRAINT "FreshnessDay_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Incident" ADD CONSTRAINT "Incident_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertDestination" ADD CONSTRAINT "AlertDestination_contractId_fkey" FOREIGN KEY ("contractId") REFERENCES "Contract"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertDelivery" ADD CONSTRAINT "AlertDelivery_destinationId_fkey" FOREIGN KEY ("destinationId") REFERENCES "AlertDestination"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertDelivery" ADD CONSTRAINT "AlertDelivery_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;
