-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "poolId" TEXT;

-- AlterTable
ALTER TABLE "Pipeline" ADD COLUMN     "poolId" TEXT,
ALTER COLUMN "agentId" DROP NOT NULL;

-- CreateTable
CREATE TABLE "AgentPool" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "enrollmentTokenHash" TEXT,

    CONSTRAINT "AgentPool_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AgentPool_enrollmentTokenHash_key" ON "AgentPool"("enrollmentTokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "AgentPool_organizationId_name_key" ON "AgentPool"("organizationId", "name");

-- CreateIndex
CREATE INDEX "Agent_poolId_idx" ON "Agent"("poolId");

-- AddForeignKey
ALTER TABLE "Agent" ADD CONSTRAINT "Agent_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "AgentPool"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentPool" ADD CONSTRAINT "AgentPool_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Pipeline" ADD CONSTRAINT "Pipeline_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "AgentPool"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
