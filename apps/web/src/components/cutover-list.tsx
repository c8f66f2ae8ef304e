import type { Cutover } from '@floe/api';
import { DataTable, Row } from './table';

const when = (at: Date) => `${at.toISOString().replace('T', ' ').slice(0, 19)} UTC`;

/**
 * Backfills that replaced the table, newest first: from when readers see the rebuilt table, and the
 * snapshot of main they read (with the one it replaced, for a reader pinned to the old table).
 */
export function CutoverList({ cutovers }: { cutovers: Cutover[] }) {
  if (cutovers.length === 0)
    return <p className="text-sm text-slate-400">No backfill has replaced the table.</p>;
  return (
    <DataTable columns={['Cut over at', "Main's snapshot", 'Replaced snapshot', 'Backfill']}>
      {cutovers.map((c) => (
        <Row key={c.backfillId}>
          <td className="py-2" data-testid="cutover-at">
            {when(c.at)}
          </td>
          <td className="py-2 font-mono" data-testid="cutover-snapshot">
            {c.snapshotId}
          </td>
          <td className="py-2 font-mono">{c.replacedSnapshotId ?? '—'}</td>
          <td className="py-2 font-mono">backfill-{c.backfillId}</td>
        </Row>
      ))}
    </DataTable>
  );
}
