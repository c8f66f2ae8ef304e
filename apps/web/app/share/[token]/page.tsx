import { notFound } from 'next/navigation';
import { ComplianceChart } from '../../../src/components/compliance-chart';
import { ComplianceSummary, IncidentList } from '../../../src/components/contract-health';
import { CutoverList } from '../../../src/components/cutover-list';
import { loadSharedContract } from '../../../src/shared-contract';

export const dynamic = 'force-dynamic';

const minutes = (seconds: number) =>
  Number.isFinite(seconds) ? `${(seconds / 60).toFixed(1)} min` : 'stale';

export default async function SharedContractPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const shared = await loadSharedContract(token);
  if (!shared) notFound();
  const { contract, table, freshness, withinSlo } = shared;
  const qualified = [...table.namespace, table.table].join('.');
  const facts: [string, string][] = [
    ['Owner', `${contract.owner.team} · ${contract.owner.contact}`],
    ['Source', table.topics.join(', ')],
    ['Partitioning', table.partitioning.join(', ') || 'none'],
    [
      'Identifier fields',
      contract.schema.identifierFields.map((f) => `${f.name} (${f.logicalType})`).join(', ') || 'none',
    ],
    ['Schema changes allowed', contract.schema.allowedChanges],
    ['Deletes', contract.deletes],
    [
      'Snapshot retention',
      `${contract.retention.snapshotDays} days, at least ${contract.retention.minSnapshots} snapshots`,
    ],
    ['Maintenance', `${contract.maintenance.owner}: ${contract.maintenance.schedule}`],
    [
      'Incidents',
      `${contract.incidents.channel}; expected recovery ${contract.incidents.expectedRecoveryMinutes} min`,
    ],
  ];
  return (
    <main className="mx-auto flex max-w-3xl flex-col gap-8 px-6 py-12">
      <header>
        <p className="text-sm text-slate-400">
          <span className="text-sky-400">≈</span> Floe data contract · version {shared.version}
        </p>
        <h1 className="mt-1 font-mono text-3xl font-semibold">{qualified}</h1>
        {contract.description ? <p className="mt-2 text-slate-300">{contract.description}</p> : null}
      </header>
      <section aria-labelledby="freshness" className="rounded-xl border border-slate-800 p-6">
        <h2 id="freshness" className="text-sm font-semibold uppercase tracking-widest text-slate-400">
          Freshness
        </h2>
        <p className="mt-2 text-lg">
          Promise: complete to within{' '}
          <strong data-testid="slo">{contract.slo.freshnessMinutes} minutes</strong>,{' '}
          {contract.slo.targetPercent}% of minutes over {contract.slo.windowDays} days.
        </p>
        <p className="mt-2" data-testid="freshness-now">
          {freshness === null
            ? 'No commit reported yet.'
            : `Now: ${minutes(freshness.seconds)} behind — ${withinSlo ? 'within' : 'outside'} the promise.`}
        </p>
        <div className="mt-6 flex flex-col gap-4">
          <ComplianceSummary compliance={shared.compliance} />
          <ComplianceChart daily={shared.daily} targetPercent={contract.slo.targetPercent} />
        </div>
      </section>
      <section aria-labelledby="incidents" className="flex flex-col gap-2">
        <h2 id="incidents" className="text-sm font-semibold uppercase tracking-widest text-slate-400">
          Incidents
        </h2>
        <IncidentList incidents={shared.incidents} />
      </section>
      <section aria-labelledby="cutovers" className="flex flex-col gap-2">
        <h2 id="cutovers" className="text-sm font-semibold uppercase tracking-widest text-slate-400">
          Rebuilds
        </h2>
        <p className="text-sm text-slate-400">
          A backfill rebuilds the table beside the live one and replaces it in one commit: readers see the old
          table before the cutover time and the rebuilt one from it.
        </p>
        <CutoverList cutovers={shared.cutovers} />
      </section>
      <dl className="grid grid-cols-[14rem_1fr] gap-x-4 gap-y-2 text-sm">
        {facts.map(([term, detail]) => (
          <div key={term} className="contents">
            <dt className="text-slate-400">{term}</dt>
            <dd>{detail}</dd>
          </div>
        ))}
      </dl>
      <section className="text-sm text-slate-400">
        <h2 className="font-semibold text-slate-300">History</h2>
        <ul className="mt-1">
          {shared.history.map((h) => (
            <li key={h.version}>
              version {h.version} · {h.at.toISOString().slice(0, 10)}
            </li>
          ))}
        </ul>
        <p className="mt-4">
          Machine-readable:{' '}
          <a className="underline" href={`/share/${token}/contract.json`}>
            JSON
          </a>{' '}
          ·{' '}
          <a className="underline" href={`/share/${token}/odcs.yaml`}>
            ODCS v3
          </a>{' '}
          ·{' '}
          <a className="underline" href={`/share/${token}/dbt.yml`}>
            dbt sources.yml
          </a>
        </p>
      </section>
    </main>
  );
}
