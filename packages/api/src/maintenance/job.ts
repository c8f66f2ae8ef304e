import type { Job, PipelineSpec } from '@floe/protocol';
import { DAY_MS, type MaintenanceKind, type MaintenancePolicy } from './policy';

const MIB = 1024 * 1024;

/** The job that does one kind of maintenance on the table the pipeline's current spec writes. */
export function maintenanceJob(
  kind: MaintenanceKind,
  spec: PipelineSpec,
  policy: MaintenancePolicy,
  now: Date,
): Job {
  const { catalog, namespace, name, storage } = spec.table;
  const table = { catalog, namespace, name, storage };
  switch (kind) {
    case 'table.compact':
      return {
        kind,
        table,
        targetFileSizeBytes: policy.targetFileSizeMiB * MIB,
        deleteRatio: policy.deleteRatioPercent / 100,
      };
    case 'table.expire-snapshots':
      return {
        kind,
        table,
        olderThanMs: now.getTime() - policy.snapshotMaxAgeDays * DAY_MS,
        retainLast: policy.snapshotsKept,
      };
    case 'table.remove-orphans':
      // A safety window (a duration), not a point in time: files younger than this are left alone.
      return { kind, table, olderThanMs: policy.orphanMinAgeDays * DAY_MS };
  }
}
