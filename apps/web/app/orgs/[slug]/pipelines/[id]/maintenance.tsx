'use client';

import type { RouterOutputs } from '@floe/api';
import type { MaintenanceKind, MaintenancePolicy } from '@floe/api/maintenance-policy';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../../../../../src/trpc/react';
import { MaintenancePolicyForm } from './maintenance-policy-form';
import { KIND_LABELS, MaintenanceRuns, when } from './maintenance-runs';

type NextRun = RouterOutputs['maintenance']['get']['plan'][MaintenanceKind];

/** What the policy does for each kind, in a sentence. */
function scheduleText(kind: MaintenanceKind, p: MaintenancePolicy): string {
  switch (kind) {
    case 'table.compact': {
      const into = `into files of about ${p.targetFileSizeMiB} MiB`;
      if (p.compactionMode === 'auto')
        return `rewrites small files ${into} once ${p.smallFileThreshold} have piled up since the last compaction, or once delete files delete ${p.deleteRatioPercent}% of the rows readers read (applying them)`;
      if (p.compactionMode === 'cron')
        return `rewrites small files ${into} at "${p.compactionCron}" (cron, UTC)`;
      return `rewrites small files ${into} when run by hand`;
    }
    case 'table.expire-snapshots':
      return `${p.expiryEvery === 'manual' ? 'when run by hand' : p.expiryEvery}, expires snapshots older than ${p.snapshotMaxAgeDays} days, keeping at least ${p.snapshotsKept}`;
    case 'table.remove-orphans':
      return `${p.orphansEvery === 'manual' ? 'when run by hand' : p.orphansEvery}, deletes files no snapshot references that are older than ${p.orphanMinAgeDays} days`;
  }
}

/** When a kind runs next; for compaction, how far the deleted rows are from the policy's share when the table has deletes. */
function nextText(next: NextRun, withDeletes: boolean): string {
  switch (next.state) {
    case 'due':
      return 'due now: goes out within a minute';
    case 'outstanding':
      return `out since ${when(next.sentAt)}`;
    case 'at':
      return `next ${when(next.at)}`;
    case 'retry':
      return `trying again ${when(next.at)}, after ${next.failures === 1 ? 'a failed run' : `${next.failures} failed runs`}${next.conflict ? ' (the table changed under it)' : ''}`;
    case 'small-files': {
      const files = `${next.files} of ${next.threshold} small files so far`;
      if (next.deletes === undefined || !withDeletes) return files;
      return `${files} · ${percent(next.deletes.share)} of rows deleted (compacts at ${percent(next.deletes.threshold)})`;
    }
    case 'manual':
      return 'only when run by hand';
  }
}

const percent = (share: number) => `${(share * 100).toLocaleString('en', { maximumFractionDigits: 1 })}%`;

/** What the table's delete files cost its readers, as last reported. */
function TableDeletes({ deletes }: { deletes: NonNullable<RouterOutputs['maintenance']['get']['deletes']> }) {
  const n = (v: number) => v.toLocaleString('en');
  const amplification =
    deletes.readAmplification === null
      ? 'no live row'
      : `${deletes.readAmplification.toFixed(2)} rows read per live row`;
  const items: [string, string][] = [
    ['Delete files', n(deletes.deleteFiles)],
    [
      'Deleted rows',
      `${n(deletes.deletedRows)} of ${n(deletes.rows)} read (${percent(deletes.rows === 0 ? 0 : deletes.deletedRows / deletes.rows)})`,
    ],
    ['Live rows', n(deletes.liveRows)],
    ['Read amplification', amplification],
  ];
  return (
    <section
      aria-labelledby="table-deletes"
      className="flex flex-col gap-2 rounded-xl border border-slate-800 p-4"
    >
      <h3 id="table-deletes" className="font-medium">
        Deletes
      </h3>
      <dl className="flex flex-wrap gap-x-8 gap-y-2">
        {items.map(([label, value]) => (
          <div key={label} className="flex flex-col">
            <dt className="text-xs text-slate-400">{label}</dt>
            <dd data-testid={`deletes-${label.toLowerCase().replaceAll(' ', '-')}`}>{value}</dd>
          </div>
        ))}
      </dl>
      <p className="text-xs text-slate-500">
        Rows of updated and deleted keys stay in the data files until compaction applies their deletes. As of{' '}
        {when(deletes.at)}, {deletes.source === 'commit' ? 'the latest commit' : 'the latest compaction'}.
      </p>
    </section>
  );
}

/** Compaction, snapshot expiry and orphan removal of the pipeline's table: policy, schedule and runs. */
export function TableMaintenance({
  orgSlug,
  pipelineId,
  canEdit,
}: {
  orgSlug: string;
  pipelineId: string;
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const query = trpc.maintenance.get.queryOptions({ orgSlug, pipelineId });
  const { data, error } = useQuery({ ...query, refetchInterval: 10_000 });
  const refresh = () => queryClient.invalidateQueries({ queryKey: query.queryKey });
  const runNow = useMutation(trpc.maintenance.runNow.mutationOptions({ onSettled: refresh }));
  const [runError, setRunError] = useState<string>();

  if (error)
    return (
      <p role="alert" className="text-sm text-rose-300">
        Table maintenance is unavailable: {error.message}
      </p>
    );
  if (!data) return <p className="text-sm text-slate-400">Loading table maintenance…</p>;
  const kinds = Object.keys(KIND_LABELS) as MaintenanceKind[];
  return (
    <section aria-labelledby="maintenance" className="flex flex-col gap-4">
      <h2 id="maintenance" className="text-xl font-semibold">
        Table maintenance
      </h2>
      <p className="max-w-2xl text-sm text-slate-400">
        The agent keeps the table fast to read and cheap to store, in your account: it compacts small files
        (applying deletes), expires old snapshots and removes files no snapshot references.{' '}
        {data.paused ? 'While the pipeline is paused nothing is scheduled; Run now still works.' : null}
      </p>
      {data.deletes ? <TableDeletes deletes={data.deletes} /> : null}
      {runError ? (
        <p role="alert" className="text-sm text-rose-300">
          {runError}
        </p>
      ) : null}
      <ul className="flex flex-col gap-2">
        {kinds.map((kind) => (
          <li
            key={kind}
            className="flex flex-wrap items-baseline gap-x-4 rounded-xl border border-slate-800 p-4"
          >
            <span className="font-medium">{KIND_LABELS[kind]}</span>
            <span className="text-sm text-slate-400">{scheduleText(kind, data.policy)}</span>
            <span className="text-sm" data-testid={`next-${kind}`}>
              {nextText(data.plan[kind], data.deletes !== null)}
            </span>
            {canEdit ? (
              <button
                type="button"
                disabled={runNow.isPending || data.plan[kind].state === 'outstanding'}
                onClick={() => {
                  setRunError(undefined);
                  runNow.mutate({ orgSlug, pipelineId, kind }, { onError: (e) => setRunError(e.message) });
                }}
                className="ml-auto text-sm text-sky-300 hover:text-sky-200 disabled:opacity-50"
                aria-label={`Run ${KIND_LABELS[kind].toLowerCase()} now`}
              >
                Run now
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {data.runs.length > 0 ? (
        <MaintenanceRuns runs={data.runs} />
      ) : (
        <p className="rounded-xl border border-dashed border-slate-700 p-6 text-sm text-slate-400">
          Nothing has run yet. The agent {scheduleText('table.compact', data.policy)};{' '}
          {scheduleText('table.expire-snapshots', data.policy)}; and{' '}
          {scheduleText('table.remove-orphans', data.policy)}. Each run appears here with what it did.
        </p>
      )}
      {canEdit ? (
        <MaintenancePolicyForm
          orgSlug={orgSlug}
          pipelineId={pipelineId}
          initial={data.policy}
          retention={data.retention}
          onSaved={refresh}
        />
      ) : null}
    </section>
  );
}
