import type { ContractHealth } from '@floe/api';
import { DataTable, Row } from './table';

// Rounded down: 99.996% must not read as 100%.
export const percent = (p: number) => `${Math.floor(p * 100) / 100}%`;
const when = (at: Date) => `${at.toISOString().replace('T', ' ').slice(0, 16)} UTC`;

/** Freshness in minutes; null stands for unbounded (a partition behind with nothing committed). */
export const freshnessText = (seconds: number | null) =>
  seconds === null ? 'unbounded' : `${(seconds / 60).toFixed(1)} min`;

function lasted(from: Date, to: Date) {
  const minutes = Math.round((to.getTime() - from.getTime()) / 60_000);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Compliance, error budget and burn rate over the contract's window. */
export function ComplianceSummary({ compliance: c }: { compliance: ContractHealth['compliance'] }) {
  const stats = [
    [
      'compliance',
      `Within the promise (${c.windowDays} days)`,
      c.compliancePercent === null ? '—' : percent(c.compliancePercent),
    ],
    [
      'budget',
      'Error budget left',
      c.budgetLeftMinutes >= 0
        ? `${c.budgetLeftMinutes} of ${c.budgetMinutes} min`
        : `overspent by ${-c.budgetLeftMinutes} min`,
    ],
    ['burn', 'Burn rate (last 24 h)', c.burnRate === null ? '—' : `${c.burnRate.toFixed(1)}×`],
  ];
  return (
    <div className="flex flex-col gap-2">
      <dl className="grid gap-4 sm:grid-cols-3">
        {stats.map(([id, label, value]) => (
          <div key={id} className="rounded-xl border border-slate-800 p-4">
            <dt className="text-sm text-slate-400">{label}</dt>
            <dd className="mt-1 text-2xl font-semibold" data-testid={id}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
      <p className="text-xs text-slate-500">
        {c.evaluatedMinutes.toLocaleString('en')} minutes measured against a target of {c.targetPercent}%. The
        budget is the minutes the table may be behind its promise over {c.windowDays} days; a burn rate above
        1× spends it before the window ends.
      </p>
    </div>
  );
}

/** Breaches of the freshness promise, newest first. */
export function IncidentList({ incidents }: { incidents: ContractHealth['incidents'] }) {
  if (incidents.length === 0) return <p className="text-sm text-slate-400">No incidents.</p>;
  return (
    <DataTable columns={['Started', 'Resolved', 'Lasted', 'Worst', 'Promise']}>
      {incidents.map((i) => (
        <Row key={i.id}>
          <td className="py-2">{when(i.startedAt)}</td>
          <td className="py-2">
            {i.resolvedAt ? when(i.resolvedAt) : <span className="text-rose-300">ongoing</span>}
          </td>
          <td className="py-2">{i.resolvedAt ? lasted(i.startedAt, i.resolvedAt) : '—'}</td>
          <td className="py-2">{freshnessText(i.peakSeconds)} behind</td>
          <td className="py-2">{i.sloMinutes} min</td>
        </Row>
      ))}
    </DataTable>
  );
}
