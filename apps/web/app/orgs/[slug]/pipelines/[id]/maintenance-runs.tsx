import type { RouterOutputs } from '@floe/api';
import { compactionFigures } from '../../../../../src/components/compaction-figures';
import { DataTable, Row } from '../../../../../src/components/table';

type Run = RouterOutputs['maintenance']['get']['runs'][number];

export const KIND_LABELS = {
  'table.compact': 'Compaction',
  'table.expire-snapshots': 'Snapshot expiry',
  'table.remove-orphans': 'Orphan removal',
} as const;

export const when = (at: Date) => `${at.toISOString().replace('T', ' ').slice(0, 16)} UTC`;

const STATUS = {
  SENT: 'sent, waiting for the agent',
  RUNNING: 'running',
  FINISHED: 'finished',
  FAILED: 'failed',
} as const;

/** A finished run one of whose steps failed (a compaction whose data files or manifests could not be rewritten). */
const partlyFailed = (run: Run) => run.status === 'FINISHED' && run.error !== null;

/** What the agent's figures say about a finished run, or the step a running one is on. */
function figures(run: Run): string {
  if (run.status === 'FAILED') return run.error ?? 'failed';
  if (run.status === 'RUNNING') return run.step ?? '—';
  const r = run.result;
  if (!r) return '—';
  const n = (key: string) => (typeof r[key] === 'number' ? (r[key] as number).toLocaleString('en') : '?');
  switch (run.kind) {
    case 'table.compact':
      return compactionFigures(r);
    case 'table.expire-snapshots':
      return `${n('expiredSnapshots')} snapshots expired · ${n('deletedDataFiles')} data files deleted`;
    case 'table.remove-orphans':
      return `${n('orphansDeleted')} of ${n('orphansFound')} orphan files deleted · ${n('listed')} files listed`;
  }
}

const duration = (run: Run) =>
  typeof run.result?.durationMs === 'number' ? `${(run.result.durationMs / 1000).toFixed(1)} s` : '—';

/** The recent maintenance runs of the table, newest first, with what each did. */
export function MaintenanceRuns({ runs }: { runs: Run[] }) {
  return (
    <DataTable columns={['Kind', 'Sent', 'Status', 'What it did', 'Took']}>
      {runs.map((run) => (
        <Row key={run.id}>
          <td className="py-2">
            {KIND_LABELS[run.kind]}
            {run.trigger === 'manual' ? <span className="text-slate-500"> · run by hand</span> : null}
          </td>
          <td className="py-2 text-slate-400">{when(run.sentAt)}</td>
          <td
            className={`py-2 ${run.status === 'FAILED' ? 'text-rose-300' : partlyFailed(run) ? 'text-amber-300' : ''}`}
          >
            {partlyFailed(run) ? 'finished, one step failed' : STATUS[run.status]}
          </td>
          <td className="py-2" data-testid={`run-figures-${run.id}`}>
            {figures(run)}
          </td>
          <td className="py-2 text-slate-400">{duration(run)}</td>
        </Row>
      ))}
    </DataTable>
  );
}
