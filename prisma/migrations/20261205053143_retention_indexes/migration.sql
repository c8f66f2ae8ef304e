-- CreateIndex
CREATE INDEX "AgentEvent_receivedAt_idx" ON "AgentEvent"("receivedAt");

-- CreateIndex
CREATE INDEX "SignInAttempt_createdAt_idx" ON "SignInAttempt"("createdAt");
