import { DataTable, Row } from '../../../../src/components/table';
import { serverCaller } from '../../../../src/server';

export const dynamic = 'force-dynamic';

const json = (value: unknown) => (value === null || value === undefined ? '—' : JSON.stringify(value));

export default async function AuditPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ action?: string; actor?: string }>;
}) {
  const { slug } = await params;
  const { action, actor } = await searchParams;
  const caller = await serverCaller();
  const org = await caller.org.get({ orgSlug: slug });
  if (org.role !== 'OWNER' && org.role !== 'ADMIN') {
    return <p className="text-slate-400">The audit log is for owners and admins.</p>;
  }
  const events = await caller.audit.list({
    orgSlug: slug,
    action: action || undefined,
    actorEmail: actor || undefined,
  });
  return (
    <main className="flex flex-col gap-6">
      <h1 className="text-3xl font-semibold tracking-tight">Audit log</h1>
      <form className="flex flex-wrap items-end gap-3 text-sm" aria-label="Filter the audit log">
        <label className="flex flex-col gap-1">
          <span className="text-slate-400">Action starts with</span>
          <input
            name="action"
            defaultValue={action}
            placeholder="connection."
            className="rounded-lg border border-slate-700 bg-slate-900 px-3 py-1.5"
          />
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-slate-400">Actor email</span>
          <input
            name="actor"
            defaultValue={actor}
            className="rounded-lg border border-slate-700 bg-slate-900 px-3 py-1.5"
          />
        </label>
        <button
          type="submit"
          className="rounded-lg border border-slate-600 px-3 py-1.5 hover:border-slate-400"
        >
          Filter
        </button>
      </form>
      {events.length === 0 ? (
        <p className="rounded-xl border border-dashed border-slate-700 p-6 text-slate-400">
          Nothing here
          {action || actor
            ? ' for this filter'
            : ' yet: changes to connections, agents and the organization appear as they happen'}
          .
        </p>
      ) : (
        <DataTable columns={['When', 'Who', 'What', 'Change']}>
          {events.map((e) => (
            <Row key={e.id}>
              <td className="py-2 text-slate-400">{e.at.toISOString().replace('T', ' ').slice(0, 19)}</td>
              <td className="truncate py-2">{e.actor}</td>
              <td className="py-2 font-mono text-xs">
                {e.action}
                {e.target ? <span className="block text-slate-500">{e.target}</span> : null}
              </td>
              <td className="break-all py-2 font-mono text-xs text-slate-400">
                <span className="block">input {json(e.input)}</span>
                {e.before !== null ? <span className="block">before {json(e.before)}</span> : null}
                {e.after !== null ? <span className="block">after {json(e.after)}</span> : null}
              </td>
            </Row>
          ))}
        </DataTable>
      )}
    </main>
  );
}
