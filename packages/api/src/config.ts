import { authEnvShape } from '@floe/auth';
import { z } from 'zod';
import { retentionDaysOf } from './retention/prune';

/**
 * The variables @floe/api reads. The web app checks them at boot as part of its own environment
 * (apps/web/src/env.ts); `apiEnv()` reads them through the same rules wherever they are used.
 */
export const apiEnvShape = {
  /** Alert signing secrets are encrypted under a key derived from it. */
  NEXTAUTH_SECRET: authEnvShape.NEXTAUTH_SECRET,
  /** `true` lets alerts go to private addresses (a self-hosted control plane alerting inside its network). */
  FLOE_ALERTS_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).optional(),
  FLOE_RETENTION_DAYS: z
    .string()
    .optional()
    .superRefine((raw, ctx) => {
      try {
        retentionDaysOf({ FLOE_RETENTION_DAYS: raw });
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
};

export type ApiEnv = z.infer<z.ZodObject<typeof apiEnvShape>>;

/** @floe/api's variables as they are now (tests change some between cases), checked. */
export function apiEnv(source: NodeJS.ProcessEnv = process.env): ApiEnv {
  return z.object(apiEnvShape).parse(source);
}
