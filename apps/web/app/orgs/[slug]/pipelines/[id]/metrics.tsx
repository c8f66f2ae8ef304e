'use client';

import { useQuery } from '@tanstack/react-query';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { axisLabel, legendStyle, tooltipStyle } from '../../../../../src/components/chart-style';
import { useTRPC } from '../../../../../src/trpc/react';

const time = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const number = (value: unknown) => (typeof value === 'number' ? value.toLocaleString('en') : String(value));

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
        <figure className="rounded-xl border border-slate-800 p-4" aria-label="Records per commit">
          <figcaption className="mb-2 text-sm text-slate-300">
            Records written and dead-lettered per commit (or per time bucket), by commit time in UTC
          </figcaption>
          <div className="h-64">
            <ResponsiveContainer>
              <BarChart
                data={data.commits.map((c) => ({ ...c, at: time(c.atMs) }))}
                margin={{ top: 4, right: 16, bottom: 16, left: 16 }}
              >
                <CartesianGrid stroke="#1e293b" vertical={false} />
                <XAxis dataKey="at" stroke="#64748b" fontSize={12} label={axisLabel('Time (UTC)')} />
                <YAxis stroke="#64748b" fontSize={12} label={axisLabel('Records', -90)} />
                <Tooltip
                  contentStyle={tooltipStyle}
                  formatter={(v) => `${number(v)} records`}
                  labelFormatter={(l) => `${l} UTC`}
                />
                <Legend verticalAlign="bottom" wrapperStyle={legendStyle} />
                <Bar dataKey="records" fill="#38bdf8" name="Records written" isAnimationActive={false} />
                <Bar dataKey="deadLettered" fill="#f87171" name="Dead letters" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </figure>
      )}
      {data.rates.length > 0 ? (
        <figure className="rounded-xl border border-slate-800 p-4" aria-label="Records per second and lag">
          <figcaption className="mb-2 text-sm text-slate-300">
            Throughput (records per second, left axis) and consumer lag (records behind, right axis), in UTC
          </figcaption>
          <div className="h-64">
            <ResponsiveContainer>
              <LineChart
                data={data.rates.map((r) => ({ ...r, at: time(r.atMs) }))}
                margin={{ top: 4, right: 16, bottom: 16, left: 16 }}
              >
                <CartesianGrid stroke="#1e293b" vertical={false} />
                <XAxis dataKey="at" stroke="#64748b" fontSize={12} label={axisLabel('Time (UTC)')} />
                <YAxis yAxisId="rate" stroke="#38bdf8" fontSize={12} label={axisLabel('Records/s', -90)} />
                <YAxis
                  yAxisId="lag"
                  orientation="right"
                  stroke="#fbbf24"
                  fontSize={12}
                  label={axisLabel('Lag (records)', 90)}
                />
                <Tooltip
                  contentStyle={tooltipStyle}
                  formatter={(v, name) => `${number(v)} ${name === 'Records/s' ? 'records/s' : 'records'}`}
                  labelFormatter={(l) => `${l} UTC`}
                />
                <Legend verticalAlign="bottom" wrapperStyle={legendStyle} />
                <Line
                  yAxisId="rate"
                  dataKey="recordsPerSecond"
                  stroke="#38bdf8"
                  name="Records/s"
                  dot={false}
                  isAnimationActive={false}
                />
                <Line
                  yAxisId="lag"
                  dataKey="lagRecords"
                  stroke="#fbbf24"
                  name="Lag (records)"
                  dot={false}
                  isAnimationActive={false}
                />
              </LineChart>
            </ResponsiveContainer>
          </div>
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
