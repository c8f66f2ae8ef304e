// A pipeline's table maintenance policy: what the form edits, what the scheduler follows.
// No server-only imports: the browser uses this too.

import { cronProblem } from '@floe/pure';
import { z } from 'zod';

export const MAINTENANCE_KINDS = ['table.compact', 'table.expire-snapshots', 'table.remove-orphans'] as const;
export type MaintenanceKind = (typeof MAINTENANCE_KINDS)[number];

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const EVERY_MS = { hourly: HOUR_MS, daily: DAY_MS, weekly: 7 * DAY_MS } as const;

const days = (max: number) =>
  z.number().int('whole days').min(1, 'at least 1 day').max(max, `at most ${max} days`);

export const maintenancePolicySchema = z
  .object({
    // auto: when enough small files piled up since the last compaction; cron: at fixed times; manual: by hand.
    compactionMode: z.enum(['auto', 'cron', 'manual']),
    smallFileThreshold: z.number().int('a whole number').min(2, 'at least 2 files').max(100_000),
    // auto also compacts once the rows deleted by delete files (upserts, CDC) reach this share of the
    // rows readers read; compaction then rewrites each data file past it. Policies saved before it: 20.
    deleteRatioPercent: z
      .number()
      .int('a whole percentage')
      .min(1, 'at least 1%')
      .max(100, 'at most 100%')
      .default(20),
    compactionCron: z.string().trim().max(100),
    targetFileSizeMiB: z.number().int('whole MiB').min(8, 'at least 8 MiB').max(2048, 'at most 2048 MiB'),
    snapshotMaxAgeDays: days(3650),
    snapshotsKept: z.number().int('a whole number').min(1, 'at least 1 snapshot').max(10_000),
    expiryEvery: z.enum(['hourly', 'daily', 'weekly', 'manual']),
    // Newer files may belong to a commit still in progress: never less than a day.
    orphanMinAgeDays: days(90),
    orphansEvery: z.enum(['daily', 'weekly', 'manual']),
  })
  .superRefine((policy, ctx) => {
    if (policy.compactionMode !== 'cron') return;
    const problem = cronProblem(policy.compactionCron);
    if (problem) ctx.addIssue({ code: 'custom', path: ['compactionCron'], message: problem });
  });

export type MaintenancePolicy = z.infer<typeof maintenancePolicySchema>;

/** What the pipeline's contract promises about snapshots: maintenance never expires sooner. */
export interface SnapshotRetention {
  snapshotDays: number;
  minSnapshots: number;
}

export const DEFAULT_POLICY: MaintenancePolicy = {
  compactionMode: 'auto',
  smallFileThreshold: 50,
  deleteRatioPercent: 20,
  compactionCron: '0 3 * * *',
  targetFileSizeMiB: 128,
  snapshotMaxAgeDays: 7,
  snapshotsKept: 10,
  expiryEvery: 'daily',
  orphanMinAgeDays: 3,
  orphansEvery: 'daily',
};

/** A policy that keeps the contract's snapshot promise, with the field errors where it does not. */
export function policyWithin(retention: SnapshotRetention | null) {
  return maintenancePolicySchema.superRefine((policy, ctx) => {
    if (!retention) return;
    if (policy.snapshotMaxAgeDays < retention.snapshotDays)
      ctx.addIssue({
        code: 'custom',
        path: ['snapshotMaxAgeDays'],
        message: `the contract promises ${retention.snapshotDays} days of snapshots`,
      });
    if (policy.snapshotsKept < retention.minSnapshots)
      ctx.addIssue({
        code: 'custom',
        path: ['snapshotsKept'],
        message: `the contract promises at least ${retention.minSnapshots} snapshots`,
      });
  });
}

/**
 * The policy in force: the saved one, else the defaults with the contract's retention. Either way
 * expiry keeps what the contract promises now (it may have been raised after the policy was saved).
 */
export function effectivePolicy(saved: MaintenancePolicy | null, retention: SnapshotRetention | null) {
  const policy = saved ?? {
    ...DEFAULT_POLICY,
    ...(retention && { snapshotMaxAgeDays: retention.snapshotDays, snapshotsKept: retention.minSnapshots }),
  };
  if (!retention) return policy;
  return {
    ...policy,
    snapshotMaxAgeDays: Math.max(policy.snapshotMaxAgeDays, retention.snapshotDays),
    snapshotsKept: Math.max(policy.snapshotsKept, retention.minSnapshots),
  };
}
