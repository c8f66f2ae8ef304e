-- CreateTable
CREATE TABLE "Agent" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "installTokenHash" TEXT,
    "installTokenExpiresAt" TIMESTAMP(3),
    "enrolledAt" TIMESTAMP(3),
    "apiTokenHash" TEXT,
    "apiTokenPrefix" TEXT,
    "redisPasswordHash" TEXT,
    "revokedAt" TIMESTAMP(3),
    "lastHeartbeatAt" TIMESTAMP(3),
    "version" TEXT,

    CONSTRAINT "Agent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Agent_installTokenHash_key" ON "Agent"("installTokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Agent_apiTokenHash_key" ON "Agent"("apiTokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Agent_organizationId_name_key" ON "Agent"("organizationId", "name");

-- AddForeignKey
ALTER TABLE "Agent" ADD CONSTRAINT "Agent_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
