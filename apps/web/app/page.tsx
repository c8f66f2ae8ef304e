import { serverCaller } from '../src/server';

export const dynamic = 'force-dynamic';

const steps = [
  {
    title: 'Connect what you already run',
    body: 'Register your Kafka cluster, schema registry, bucket and Iceberg catalog. Floe stores references to secrets, never the secrets.',
  },
  {
    title: 'Pick a topic, get a table',
    body: 'A form turns a topic into an Iceberg table: partitioning, schema evolution policy, commit interval, dead letters.',
  },
  {
    title: 'Promise freshness, and keep it',
    body: 'Share a freshness contract with the teams downstream. Floe measures itself against it, minute by minute.',
  },
];

const guarantees = [
  [
    'Exactly once',
    'Kafka offsets live in the Iceberg snapshot; restarts and rebalances lose and duplicate nothing.',
  ],
  ['Your account', 'The agent runs in your VPC, assumes your IAM role, and sends back metadata only.'],
  ['Open tables', 'Iceberg spec to the letter: read them with Spark, Trino, DuckDB or pyiceberg.'],
];

export default async function LandingPage() {
  const health = await (await serverCaller()).health();
  return (
    <main className="mx-auto flex max-w-5xl flex-col gap-16 px-6 py-16">
      <header className="flex items-center justify-between">
        <span className="text-xl font-semibold tracking-tight">
          <span className="text-sky-400">≈</span> Floe
        </span>
        <nav className="flex items-center gap-4 text-sm">
          <a href="/sign-in" className="text-slate-300 hover:text-white">
            Sign in
          </a>
          <a
            href="/sign-up"
            className="rounded-lg bg-sky-500 px-3 py-1.5 font-medium text-slate-950 hover:bg-sky-400"
          >
            Get started
          </a>
        </nav>
      </header>
      <p className="-mt-12 text-right">
        <span
          data-testid="control-plane-status"
          className={`rounded-full px-3 py-1 text-xs font-medium ${health.database === 'up' ? 'bg-emerald-500/15 text-emerald-300' : 'bg-rose-500/15 text-rose-300'}`}
        >
          {`control plane database: ${health.database}`}
        </span>
      </p>

      <section className="flex flex-col gap-6">
        <h1 className="max-w-3xl text-5xl font-semibold leading-tight tracking-tight">
          Kafka topics as Apache Iceberg tables, inside your own cloud account.
        </h1>
        <p className="max-w-2xl text-lg text-slate-300">
          Floe is the open, self-hostable control plane for streaming into the lakehouse. You keep Kafka, the
          bucket, the catalog and the keys; Floe keeps the tables complete, fresh and tidy.
        </p>
      </section>

      <section aria-labelledby="how" className="flex flex-col gap-6">
        <h2 id="how" className="text-sm font-semibold uppercase tracking-widest text-slate-400">
          How it works
        </h2>
        <ol className="grid gap-4 md:grid-cols-3">
          {steps.map((step, i) => (
            <li key={step.title} className="rounded-xl border border-slate-800 bg-slate-900/60 p-5">
              <span className="font-mono text-sm text-sky-400">0{i + 1}</span>
              <h3 className="mt-2 font-semibold">{step.title}</h3>
              <p className="mt-2 text-sm text-slate-400">{step.body}</p>
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="guarantees" className="flex flex-col gap-6">
        <h2 id="guarantees" className="text-sm font-semibold uppercase tracking-widest text-slate-400">
          What you can rely on
        </h2>
        <dl className="grid gap-4 md:grid-cols-3">
          {guarantees.map(([term, detail]) => (
            <div key={term} className="rounded-xl border border-slate-800 p-5">
              <dt className="font-semibold">{term}</dt>
              <dd className="mt-2 text-sm text-slate-400">{detail}</dd>
            </div>
          ))}
        </dl>
      </section>

      <footer className="border-t border-slate-800 pt-6 text-sm text-slate-500">
        Floe is open source. Run it locally with <code className="font-mono text-slate-300">npm start</code>.
      </footer>
    </main>
  );
}
