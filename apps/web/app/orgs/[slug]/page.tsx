import { serverCaller } from '../../../src/server';

export const dynamic = 'force-dynamic';

const nextSteps = [
  ['Install an agent', 'It runs in your VPC and does the work; nothing connects into your network.'],
  [
    'Register connections',
    'Kafka cluster, schema registry, bucket, Iceberg catalog and the IAM role to assume.',
  ],
  ['Create a pipeline', 'Pick topics and a table; Floe keeps it fresh and reports lag and freshness here.'],
];

export default async function OrgOverview({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const caller = await serverCaller();
  const [org, members] = await Promise.all([
    caller.org.get({ orgSlug: slug }),
    caller.org.members({ orgSlug: slug }),
  ]);
  return (
    <main className="flex flex-col gap-10">
      <section>
        <p className="text-sm text-slate-400">Organization · you are {org.role.toLowerCase()}</p>
        <h1 className="mt-1 text-3xl font-semibold tracking-tight">{org.name}</h1>
      </section>

      <section aria-labelledby="pipelines" className="rounded-xl border border-dashed border-slate-700 p-6">
        <h2 id="pipelines" className="font-semibold">
          No pipelines yet
        </h2>
        <p className="mt-1 text-sm text-slate-400">
          Three steps turn a Kafka topic into a fresh Iceberg table:
        </p>
        <ol className="mt-4 grid gap-3 md:grid-cols-3">
          {nextSteps.map(([title, body], i) => (
            <li key={title} className="rounded-lg bg-slate-900/60 p-4">
              <span className="font-mono text-xs text-sky-400">{i + 1}</span>
              <p className="mt-1 font-medium">{title}</p>
              <p className="mt-1 text-sm text-slate-400">{body}</p>
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="members">
        <h2 id="members" className="text-sm font-semibold uppercase tracking-widest text-slate-400">
          Members
        </h2>
        <table className="mt-3 w-full text-left text-sm">
          <thead className="text-slate-500">
            <tr>
              <th className="py-2 font-medium">Name</th>
              <th className="py-2 font-medium">Email</th>
              <th className="py-2 font-medium">Role</th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.email} className="border-t border-slate-800">
                <td className="py-2">{m.name ?? '—'}</td>
                <td className="py-2 text-slate-300">{m.email}</td>
                <td className="py-2 capitalize text-slate-300">{m.role.toLowerCase()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </main>
  );
}
