import { DataTable, Row } from '../../../../src/components/table';
import { serverCaller } from '../../../../src/server';
import { PipelineActions } from './pipeline-actions';

export const dynamic = 'force-dynamic';

export default async function PipelinesPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const caller = await serverCaller();
  const [org, pipelines] = await Promise.all([
    caller.org.get({ orgSlug: slug }),
    caller.pipeline.list({ orgSlug: slug }),
  ]);
  const canEdit = org.role !== 'VIEWER';
  return (
    <main className="flex flex-col gap-8">
      <section className="flex items-end justify-between">
        <div>
          <h1 className="text-3xl font-semibold tracking-tight">Pipelines</h1>
          <p className="mt-1 text-slate-400">Kafka topics kept as Iceberg tables by your agents.</p>
        </div>
        {canEdit ? (
          <a
            href={`/orgs/${slug}/pipelines/new`}
            className="rounded-lg bg-sky-500 px-4 py-2 font-medium text-slate-950 hover:bg-sky-400"
          >
            New pipeline
          </a>
        ) : null}
      </section>
      {pipelines.length === 0 ? (
        <p className="rounded-xl border border-dashed border-slate-700 p-6 text-slate-400">
          No pipelines yet.{' '}
          {canEdit ? 'You need an agent and Kafka, storage and catalog connections; then create one.' : ''}
        </p>
      ) : (
        <DataTable columns={['Name', 'Topics → table', 'Agent', 'Status', '']}>
          {pipelines.map((p) => (
            <Row key={p.id}>
              <td className="py-2">
                <a href={`/orgs/${slug}/pipelines/${p.id}`} className="hover:text-sky-300">
                  {p.name}
                </a>{' '}
                <span className="text-xs text-slate-500">v{p.version}</span>
              </td>
              <td className="py-2 font-mono text-xs text-slate-300">
                {p.topics.join(', ')} → {p.table}
              </td>
              <td className="py-2 text-slate-300">{p.agentName}</td>
              <td className="py-2 text-slate-300">{p.status.toLowerCase()}</td>
              <td className="py-2 text-right">
                {canEdit ? <PipelineActions orgSlug={slug} pipelineId={p.id} status={p.status} /> : null}
              </td>
            </Row>
          ))}
        </DataTable>
      )}
    </main>
  );
}
