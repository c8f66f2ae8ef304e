import { DataTable, Row } from '../../../../src/components/table';
import { serverCaller } from '../../../../src/server';
import { CreateConnection } from './create-connection';
import { CONNECTION_FIELDS } from './fields';
import { TestConnection } from './test-connection';

export const dynamic = 'force-dynamic';

export default async function ConnectionsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const caller = await serverCaller();
  const [org, connections] = await Promise.all([
    caller.org.get({ orgSlug: slug }),
    caller.connection.list({ orgSlug: slug }),
  ]);
  const canEdit = org.role !== 'VIEWER';
  // Storage and Glue are tested as the AWS role a pipeline uses: the only one, or the one chosen.
  const roles = connections.filter((c) => c.type === 'aws-role').map((c) => ({ id: c.id, name: c.name }));
  return (
    <main className="flex flex-col gap-8">
      <section>
        <h1 className="text-3xl font-semibold tracking-tight">Connections</h1>
        <p className="mt-1 max-w-2xl text-slate-400">
          How your agent reaches Kafka, the schema registry, your bucket and your Iceberg catalog. Floe keeps
          references to secrets only; the agent reads the secrets where it runs.
        </p>
      </section>
      {connections.length === 0 ? (
        <p className="rounded-xl border border-dashed border-slate-700 p-6 text-slate-400">
          No connections yet. {canEdit ? 'Add your Kafka cluster first.' : 'Ask an editor to add them.'}
        </p>
      ) : (
        <DataTable columns={['Name', 'Kind', 'Details', '']}>
          {connections.map((c) => (
            <Row key={c.id}>
              <td className="py-2">{c.name}</td>
              <td className="py-2 text-slate-300">{CONNECTION_FIELDS[c.type].title}</td>
              <td className="py-2 font-mono text-xs text-slate-400">
                {c.summary}
                {c.externalId ? <span className="block">external id {c.externalId}</span> : null}
              </td>
              <td className="py-2 text-right align-top">
                {canEdit && c.type !== 'aws-role' ? (
                  <TestConnection
                    orgSlug={slug}
                    connectionId={c.id}
                    roles={c.takesRole && roles.length > 1 ? roles : undefined}
                  />
                ) : null}
              </td>
            </Row>
          ))}
        </DataTable>
      )}
      {canEdit ? <CreateConnection orgSlug={slug} /> : null}
    </main>
  );
}
