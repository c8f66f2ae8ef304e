import { notFound } from 'next/navigation';
import { serverCaller } from '../../../../../../src/server';
import { querySnippets } from './query-snippets';
import { TableDetails } from './table-details';

export const dynamic = 'force-dynamic';

/** A pipeline's Iceberg table: its metadata as the agent reads it from the catalog, and how to query it. */
export default async function TablePage({ params }: { params: Promise<{ slug: string; id: string }> }) {
  const { slug, id } = await params;
  const caller = await serverCaller();
  const [org, pipelines] = await Promise.all([
    caller.org.get({ orgSlug: slug }),
    caller.pipeline.list({ orgSlug: slug }),
  ]);
  const pipeline = pipelines.find((p) => p.id === id);
  if (!pipeline) notFound();
  const access = await caller.discovery.tableAccess({ orgSlug: slug, pipelineId: id });
  return (
    <main className="flex flex-col gap-8">
      <section>
        <a href={`/orgs/${slug}/pipelines/${id}`} className="text-sm text-slate-400 hover:text-slate-200">
          ← {pipeline.name}
        </a>
        <h1 className="mt-1 font-mono text-3xl font-semibold tracking-tight">{pipeline.table}</h1>
        <p className="mt-1 text-sm text-slate-400">
          Read from your catalog by {pipeline.agentName}, inside your account: metadata only, never a row.
        </p>
      </section>
      <TableDetails
        orgSlug={slug}
        pipelineId={id}
        access={{ canTag: org.role !== 'VIEWER', canRollback: org.role === 'OWNER' || org.role === 'ADMIN' }}
      />
      <section aria-labelledby="query" className="flex flex-col gap-3">
        <h2 id="query" className="text-xl font-semibold">
          Query this table
        </h2>
        <p className="max-w-2xl text-sm text-slate-400">
          With your catalog's settings. Credentials stay yours: S3 is read with your usual AWS credentials
          {access.catalog.type === 'rest' && access.catalog.needsToken
            ? ', and the catalog token from ICEBERG_TOKEN'
            : ''}
          .
        </p>
        {querySnippets(access).map((s) => (
          <details
            key={s.engine}
            className="rounded-xl border border-slate-800 p-3"
            open={s.engine === 'Spark'}
          >
            <summary className="cursor-pointer font-medium">{s.engine}</summary>
            <pre
              data-testid={`snippet-${s.engine}`}
              className="mt-2 overflow-x-auto rounded-lg bg-slate-900 p-3 text-xs text-slate-200"
            >
              {s.code}
            </pre>
          </details>
        ))}
      </section>
    </main>
  );
}
