import { serverCaller } from '../../../src/server';
import { FleetOverview } from './overview/fleet-overview';

export const dynamic = 'force-dynamic';

export default async function OrgOverview({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const caller = await serverCaller();
  const [org, members, agents, connections, pipelines] = await Promise.all([
    caller.org.get({ orgSlug: slug }),
    caller.org.members({ orgSlug: slug }),
    caller.agent.list({ orgSlug: slug }),
    caller.connection.list({ orgSlug: slug }),
    caller.pipeline.list({ orgSlug: slug }),
  ]);
  const steps = [
    {
      done: agents.some((a) => a.status !== 'revoked'),
      title: 'Install an agent',
      body: 'It runs in your VPC and does the work; nothing connects into your network.',
      href: `/orgs/${slug}/agents`,
    },
    {
      done: ['kafka', 'storage', 'catalog'].every((t) => connections.some((c) => c.type === t)),
      title: 'Register connections',
      body: 'Kafka cluster, bucket and Iceberg catalog (and the schema registry and IAM role if you use them).',
      href: `/orgs/${slug}/connections`,
    },
    {
      done: pipelines.length > 0,
      title: 'Create a pipeline',
      body: 'Pick topics and a table; Floe keeps it fresh and reports lag and freshness.',
      href: `/orgs/${slug}/pipelines/new`,
    },
  ];
  const stats = [
    ['Pipelines', `${pipelines.filter((p) => p.status === 'RUNNING').length} running / ${pipelines.length}`],
    [
      'Agents',
      `${agents.filter((a) => a.status === 'online').length} online / ${agents.filter((a) => a.status !== 'revoked').length}`,
    ],
    ['Connections', String(connections.length)],
    ['Members', String(members.length)],
  ];
  return (
    <main className="flex flex-col gap-10">
      <section>
        <p className="text-sm text-slate-400">Organization · you are {org.role.toLowerCase()}</p>
        <h1 className="mt-1 text-3xl font-semibold tracking-tight">{org.name}</h1>
      </section>

      <dl className="grid grid-cols-2 gap-4 md:grid-cols-4">
        {stats.map(([label, value]) => (
          <div key={label} className="rounded-xl border border-slate-800 p-4">
            <dt className="text-sm text-slate-400">{label}</dt>
            <dd className="mt-1 text-2xl font-semibold">{value}</dd>
          </div>
        ))}
      </dl>

      {steps.some((s) => !s.done) ? (
        <section
          aria-labelledby="getting-started"
          className="rounded-xl border border-dashed border-slate-700 p-6"
        >
          <h2 id="getting-started" className="font-semibold">
            Getting started
          </h2>
          <ol className="mt-4 grid gap-3 md:grid-cols-3">
            {steps.map((step, i) => (
              <li key={step.title} className="rounded-lg bg-slate-900/60 p-4">
                <span className="font-mono text-xs text-sky-400">
                  {step.done ? '✓ done' : `step ${i + 1}`}
                </span>
                <a href={step.href} className="mt-1 block font-medium hover:text-sky-300">
                  {step.title}
                </a>
                <p className="mt-1 text-sm text-slate-400">{step.body}</p>
              </li>
            ))}
          </ol>
        </section>
      ) : null}

      <FleetOverview orgSlug={slug} />
    </main>
  );
}
