'use client';

import { useQuery } from '@tanstack/react-query';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useTRPC } from '../../../../../src/trpc/react';

const time = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/** Commits, records and dead letters of the last day, as the agent reported them; refreshed every 10 s. */
export function PipelineMetrics({ orgSlug, pipelineId }: { orgSlug: string; pipelineId: string }) {
  const trpc = useTRPC();
  const { data, error, isLoading } = useQuery({
    ...trpc.pipeline.metrics.queryOptions({ orgSlug, pipelineId }),
    refetchInterval: 10_000,
  });
  if (isLoading) return <p className="text-sm text-slate-400">Loading metrics…</p>;
  if (error)
    return (
      <p role="alert" className="text-sm text-rose-300">
        Metrics are unavailable: {error.message}
      </p>
    );
  if (!data) return null;
  const { commits, records, deadLettered } = data.totals;
  const latest = data.rates.at(-1);
  const stats = [
    ['Freshness', data.freshnessSeconds === null ? '—' : `${(data.freshnessSeconds / 60).toFixed(1)} min`],
    ['Records/s', latest === undefined ? '—' : Math.round(latest.recordsPerSecond).toLocaleString('en')],
    ['Lag (records)', latest === undefined ? '—' : latest.lagRecords.toLocaleString('en')],
    ['Commits (24 h)', commits.toLocaleString('en')],
    ['Records (24 h)', records.toLocaleString('en')],
    ['Dead letters (24 h)', deadLettered.toLocaleString('en')],
  ];
  return (
    <section aria-labelledby="metrics" className="flex flex-col gap-4">
      <h2 id="metrics" className="text-xl font-semibold">
        Last 24 hours
      </h2>
      <dl className="grid grid-cols-2 gap-4 md:grid-cols-3">
        {stats.map(([label, value]) => (
          <div key={label} className="rounded-xl border border-slate-800 p-4">
            <dt className="text-sm text-slate-400">{label}</dt>
            <dd className="mt-1 text-2xl font-semibold" data-testid={`metric-${label}`}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
      {data.commits.length === 0 ? (
        <p className="rounded-xl border border-dashed border-slate-700 p-6 text-sm text-slate-400">
          No commits reported yet. When the agent runs the pipeline, every Iceberg commit appears here.
        </p>
      ) : (
        <figure className="h-56 rounded-xl border border-slate-800 p-4" aria-label="Records per commit">
          <ResponsiveContainer>
            <BarChart data={data.commits.map((c) => ({ ...c, at: time(c.atMs) }))}>
              <CartesianGrid stroke="#1e293b" vertical={false} />
              <XAxis dataKey="at" stroke="#64748b" fontSize={12} />
              <YAxis stroke="#64748b" fontSize={12} />
              <Tooltip contentStyle={{ background: '#0f172a', border: '1px solid #334155' }} />
              <Bar dataKey="records" fill="#38bdf8" name="records" isAnimationActive={false} />
              <Bar dataKey="deadLettered" fill="#f87171" name="dead letters" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </figure>
      )}
      {data.rates.length > 0 ? (
        <figure
          className="h-56 rounded-xl border border-slate-800 p-4"
          aria-label="Records per second and lag"
        >
          <ResponsiveContainer>
            <LineChart data={data.rates.map((r) => ({ ...r, at: time(r.atMs) }))}>
              <CartesianGrid stroke="#1e293b" vertical={false} />
              <XAxis dataKey="at" stroke="#64748b" fontSize={12} />
              <YAxis yAxisId="rate" stroke="#64748b" fontSize={12} />
              <YAxis yAxisId="lag" orientation="right" stroke="#64748b" fontSize={12} />
              <Tooltip contentStyle={{ background: '#0f172a', border: '1px solid #334155' }} />
              <Line
                yAxisId="rate"
                dataKey="recordsPerSecond"
                stroke="#38bdf8"
                name="records/s"
                dot={false}
                isAnimationActive={false}
              />
              <Line
                yAxisId="lag"
                dataKey="lagRecords"
                stroke="#fbbf24"
                name="lag (records)"
                dot={false}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </figure>
      ) : null}
      {data.errors.length > 0 ? (
        <div>
          <h3 className="font-semibold">Recent errors</h3>
          <ul className="mt-2 text-sm">
            {data.errors.map((e) => (
              <li key={`${e.atMs}-${e.errorClass}`} className="border-t border-slate-800 py-1">
                <span className="text-slate-500">
                  {new Date(e.atMs).toISOString().replace('T', ' ').slice(0, 19)}
                </span>{' '}
                <span className="font-mono text-rose-300">{e.errorClass}</span> {e.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
