import { headers } from 'next/headers';
import { notFound } from 'next/navigation';
import { ComplianceSummary, IncidentList } from '../../../../../src/components/contract-health';
import { CutoverList } from '../../../../../src/components/cutover-list';
import { env } from '../../../../../src/env';
import { serverCaller } from '../../../../../src/server';
import { AlertDestinations } from './alert-destinations';
import { Backfills } from './backfills';
import { ContractForm } from './contract-form';
import { DeletePipeline } from './delete-pipeline';
import { TableMaintenance } from './maintenance';
import { PipelineMembers } from './members';
import { PipelineMetrics } from './metrics';
import { ShareControls } from './share-controls';

export const dynamic = 'force-dynamic';

export default async function PipelinePage({ params }: { params: Promise<{ slug: string; id: string }> }) {
  const { slug, id } = await params;
  const caller = await serverCaller();
  const [org, pipelines] = await Promise.all([
    caller.org.get({ orgSlug: slug }),
    caller.pipeline.list({ orgSlug: slug }),
  ]);
  const pipeline = pipelines.find((p) => p.id === id);
  if (!pipeline) notFound();
  const isAdmin = org.role === 'OWNER' || org.role === 'ADMIN';
  const { contract, version, shareToken } = await caller.contract.get({ orgSlug: slug, pipelineId: id });
  const [health, destinations] = await Promise.all([
    caller.contract.health({ orgSlug: slug, pipelineId: id }),
    contract && isAdmin ? caller.contract.alerts.list({ orgSlug: slug, pipelineId: id }) : null,
  ]);
  const host = (await headers()).get('host');
  const base = env().NEXTAUTH_URL ?? `http://${host}`;
  return (
    <main className="flex flex-col gap-8">
      <section>
        <a href={`/orgs/${slug}/pipelines`} className="text-sm text-slate-400 hover:text-slate-200">
          ← Pipelines
        </a>
        <h1 className="mt-1 text-3xl font-semibold tracking-tight">{pipeline.name}</h1>
        <p className="mt-1 font-mono text-sm text-slate-400">
          {pipeline.topics.join(', ')} → {pipeline.table} · {pipeline.status.toLowerCase()} · v
          {pipeline.version} on {pipeline.onPool ? 'pool ' : ''}
          {pipeline.agentName}
        </p>
        <p className="mt-3 flex gap-4 text-sm">
          <a href={`/orgs/${slug}/pipelines/${id}/table`} className="text-sky-300 hover:text-sky-200">
            Table
          </a>
          {org.role !== 'VIEWER' ? (
            <a href={`/orgs/${slug}/pipelines/${id}/edit`} className="text-sky-300 hover:text-sky-200">
              Edit
            </a>
          ) : null}
          {isAdmin ? <DeletePipeline orgSlug={slug} pipelineId={id} name={pipeline.name} /> : null}
        </p>
      </section>
      <PipelineMetrics orgSlug={slug} pipelineId={id} />
      <PipelineMembers orgSlug={slug} pipelineId={id} />
      <TableMaintenance orgSlug={slug} pipelineId={id} canEdit={org.role !== 'VIEWER'} />
      <Backfills
        orgSlug={slug}
        pipelineId={id}
        canValidate={org.role !== 'VIEWER'}
        canRun={isAdmin}
        refusal={pipeline.backfillRefusal}
      />
      <section aria-labelledby="contract" className="flex flex-col gap-4">
        <h2 id="contract" className="text-xl font-semibold">
          Contract{' '}
          {version > 0 ? <span className="text-sm font-normal text-slate-400">v{version}</span> : null}
        </h2>
        <p className="max-w-2xl text-sm text-slate-400">
          What this table promises the teams that read it: who owns it, how fresh it is, what schema changes
          may come and what happens in an incident. Floe measures itself against it.
        </p>
        {health ? (
          <div className="flex flex-col gap-4">
            <h3 className="font-semibold">How it has been kept</h3>
            <ComplianceSummary compliance={health.compliance} />
            <IncidentList incidents={health.incidents} />
            <h3 className="font-semibold">Rebuilds (backfills cut over)</h3>
            <CutoverList cutovers={health.cutovers} />
          </div>
        ) : null}
        <p className="max-w-2xl text-sm text-slate-400">
          In an incident: tag the table's last good snapshot, or roll the table back to it (the pipeline then
          reads again from Kafka what followed), from the{' '}
          <a
            href={`/orgs/${slug}/pipelines/${id}/table#snapshots`}
            className="text-sky-300 hover:text-sky-200"
          >
            table's snapshots
          </a>
          .
        </p>
        {destinations ? (
          <AlertDestinations orgSlug={slug} pipelineId={id} destinations={destinations} />
        ) : null}
        {isAdmin ? (
          <ShareControls
            orgSlug={slug}
            pipelineId={id}
            shareUrl={shareToken ? `${base}/share/${shareToken}` : null}
            hasContract={contract !== null}
          />
        ) : null}
        {org.role === 'VIEWER' ? (
          contract ? (
            <pre className="overflow-x-auto rounded-lg bg-slate-900 p-4 text-xs">
              {JSON.stringify(contract, null, 2)}
            </pre>
          ) : (
            <p className="text-slate-400">No contract yet.</p>
          )
        ) : (
          <ContractForm orgSlug={slug} pipelineId={id} initial={contract} />
        )}
      </section>
    </main>
  );
}
