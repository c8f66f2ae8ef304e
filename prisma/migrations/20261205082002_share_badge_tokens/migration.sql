-- AlterTable
ALTER TABLE "Contract" ADD COLUMN     "badgeToken" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Contract_badgeToken_key" ON "Contract"("badgeToken");

-- Links shared before badges had their own token: the page keeps its token, and the badge gets a new
-- one (64 hex characters from two random UUIDs, made from the strong random source of Postgres), so a
-- badge already published under the page token no longer serves, and the admin copies the new address.
UPDATE "Contract"
SET "badgeToken" = replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
WHERE "shareToken" IS NOT NULL;
