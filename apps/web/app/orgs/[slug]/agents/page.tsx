import { headers } from 'next/headers';
import { DataTable, Row } from '../../../../src/components/table';
import { env } from '../../../../src/env';
import { serverCaller } from '../../../../src/server';
import { CreatePool, NewEnrollmentToken } from './agent-pools';
import { CreateAgent } from './create-agent';
import { RevokeAgent } from './revoke-agent';

export const dynamic = 'force-dynamic';

const STATUS_STYLE = {
  online: 'bg-emerald-500/15 text-emerald-300',
  offline: 'bg-amber-500/15 text-amber-300',
  'awaiting-install': 'bg-slate-500/15 text-slate-300',
  revoked: 'bg-rose-500/15 text-rose-300',
} as const;

export default async function AgentsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const caller = await serverCaller();
  const [org, agents, pools] = await Promise.all([
    caller.org.get({ orgSlug: slug }),
    caller.agent.list({ orgSlug: slug }),
    caller.pool.list({ orgSlug: slug }),
  ]);
  const host = (await headers()).get('host');
  const controlPlaneUrl = env().NEXTAUTH_URL ?? `http://${host}`;
  const canManage = org.role === 'OWNER' || org.role === 'ADMIN';
  return (
    <main className="flex flex-col gap-8">
      <section>
        <h1 className="text-3xl font-semibold tracking-tight">Agents</h1>
        <p className="mt-1 max-w-2xl text-slate-400">
          An agent runs in your account, pulls its work from Floe and writes your tables. It only makes
          outbound connections and sends back metadata, never your records.
        </p>
      </section>
      {canManage ? <CreateAgent orgSlug={slug} controlPlaneUrl={controlPlaneUrl} /> : null}
      {agents.length === 0 ? (
        <p className="rounded-xl border border-dashed border-slate-700 p-6 text-slate-400">
          No agents yet.{' '}
          {canManage
            ? 'Register one above and run its install command in your VPC.'
            : 'Ask an admin to register one.'}
        </p>
      ) : (
        <DataTable
          columns={['Name', 'Pool', 'Status', 'Version', 'Last heartbeat', 'Pipelines', 'Token', '']}
        >
          {agents.map((agent) => (
            <Row key={agent.id}>
              <td className="py-2">
                {agent.name} <span className="font-mono text-xs text-slate-500">{agent.id}</span>
              </td>
              <td className="py-2 text-slate-300">{agent.pool ?? '—'}</td>
              <td className="py-2">
                <span className={`rounded-full px-2 py-0.5 text-xs ${STATUS_STYLE[agent.status]}`}>
                  {agent.status}
                </span>
              </td>
              <td className="py-2 text-slate-300">{agent.version ?? '—'}</td>
              <td className="py-2 text-slate-300">{agent.lastHeartbeatAt?.toISOString() ?? 'never'}</td>
              <td className="py-2 text-slate-300">{agent.pipelines.join(', ') || '—'}</td>
              <td className="py-2 font-mono text-xs text-slate-400">{agent.apiTokenPrefix ?? '—'}</td>
              <td className="py-2 text-right">
                {canManage && agent.status !== 'revoked' ? (
                  <RevokeAgent orgSlug={slug} agentId={agent.id} name={agent.name} />
                ) : null}
              </td>
            </Row>
          ))}
        </DataTable>
      )}
      <section aria-labelledby="pools" className="flex flex-col gap-4">
        <h2 id="pools" className="text-xl font-semibold">
          Pools
        </h2>
        {canManage ? <CreatePool orgSlug={slug} controlPlaneUrl={controlPlaneUrl} /> : null}
        {pools.length === 0 ? (
          <p className="text-sm text-slate-400">No pools yet.</p>
        ) : (
          <DataTable columns={['Pool', 'Members online', 'Pipelines', '']}>
            {pools.map((pool) => (
              <Row key={pool.id}>
                <td className="py-2">
                  {pool.name} <span className="font-mono text-xs text-slate-500">{pool.id}</span>
                </td>
                <td className="py-2 text-slate-300">
                  {pool.members.filter((m) => m.status === 'online').length} of{' '}
                  {pool.members.filter((m) => m.status !== 'revoked').length}
                </td>
                <td className="py-2 text-slate-300">{pool.pipelines.join(', ') || '—'}</td>
                <td className="py-2 text-right">
                  {canManage ? (
                    <NewEnrollmentToken
                      orgSlug={slug}
                      poolId={pool.id}
                      pool={pool.name}
                      controlPlaneUrl={controlPlaneUrl}
                    />
                  ) : null}
                </td>
              </Row>
            ))}
          </DataTable>
        )}
      </section>
    </main>
  );
}
