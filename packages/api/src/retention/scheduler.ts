import type { PrismaClient } from '@floe/db';
import { everyMinute } from '../background/every-minute';
import { type ApiEnv, apiEnv } from '../config';
import { pruneOldRows, retentionDaysOf } from './prune';

/** Prunes old agent events and sign-in attempts once a minute (indexed by time: cheap when there are none). */
export function startRetention(
  db: PrismaClient,
  env: Pick<ApiEnv, 'FLOE_RETENTION_DAYS'> = apiEnv(),
  log: (message: string) => void = console.error,
) {
  const days = retentionDaysOf(env);
  return everyMinute(
    'retention',
    async () => {
      await pruneOldRows(db, days);
    },
    log,
  );
}
