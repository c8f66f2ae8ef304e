'use client';

import type { RouterOutputs } from '@floe/api';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useCallback, useEffect } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useTRPC } from '../../../../../../src/trpc/react';
import { type RecoveryAccess, RecoveryProvider, SnapshotActions, TableRefs } from './recovery-actions';

type Description = NonNullable<RouterOutputs['discovery']['tableResult']['description']>;

const WRITERS: Record<Description['snapshots'][number]['writer'], string> = {
  ingest: 'Floe ingest',
  compaction: 'Floe compaction',
  floe: 'Floe',
  other: 'another engine',
};

const utc = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
const count = (n: number) => n.toLocaleString('en');

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Asks the pipeline's agent for the table's metadata once, and shows it when the answer comes. */
export function TableDetails({
  orgSlug,
  pipelineId,
  access,
}: {
  orgSlug: string;
  pipelineId: string;
  access: RecoveryAccess;
}) {
  const trpc = useTRPC();
  const ask = useMutation(trpc.discovery.describeTable.mutationOptions());
  const { mutate } = ask;
  const describe = useCallback(() => mutate({ orgSlug, pipelineId }), [mutate, orgSlug, pipelineId]);
  useEffect(describe, [describe]);
  const jobId = ask.data?.jobId;
  const answer = useQuery({
    ...trpc.discovery.tableResult.queryOptions({ orgSlug, jobId: jobId ?? '' }),
    enabled: jobId !== undefined,
    refetchInterval: (query) => (query.state.data?.state === 'waiting' ? 1000 : false),
  });
  // The recovery actions' messages stay while the table is read again after one of them.
  return (
    <RecoveryProvider orgSlug={orgSlug} pipelineId={pipelineId} access={access} changed={describe}>
      <TableAnswer ask={ask} answer={answer} />
    </RecoveryProvider>
  );
}

function TableAnswer({
  ask,
  answer,
}: {
  ask: { error: { message: string } | null; data?: { agentName: string; agentOnline: boolean } };
  answer: { error: { message: string } | null; data?: RouterOutputs['discovery']['tableResult'] };
}) {
  if (ask.error || answer.error)
    return (
      <p role="alert" className="text-sm text-rose-300">
        The table could not be read: {(ask.error ?? answer.error)?.message}
      </p>
    );
  if (answer.data?.state === 'failed')
    return (
      <p role="alert" className="text-sm text-rose-300">
        {ask.data?.agentName} could not read the table: {answer.data.message}
      </p>
    );
  const description = answer.data?.description;
  if (!description)
    return (
      <p role="status" className="text-sm text-slate-400">
        {ask.data && !ask.data.agentOnline
          ? `${ask.data.agentName} is offline: the table is read when it is back.`
          : `Reading the table's metadata through ${ask.data?.agentName ?? 'the agent'}…`}
      </p>
    );
  return <Metadata description={description} />;
}

/** " · added a, b and 3 more": the names the agent sent, and how many it left out. */
function changed(what: string, names: string[], total: number): string {
  if (total === 0) return '';
  const more = total - names.length;
  return ` · ${what} ${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

function Metadata({ description: d }: { description: Description }) {
  const nameOf = (id: number) => d.columns.find((c) => c.id === id)?.path.join('.') ?? `column ${id}`;
  const totals = [
    ['Records', count(d.totals.records)],
    ['Data files', count(d.totals.dataFiles)],
    ['Delete files', count(d.totals.deleteFiles)],
    ['Size', bytes(d.totals.filesBytes)],
    ['Snapshots', count(d.totalSnapshots)],
    ['Format', `Iceberg v${d.formatVersion}`],
  ];
  return (
    <>
      <dl className="grid grid-cols-2 gap-4 md:grid-cols-3" aria-label="Table totals">
        {totals.map(([label, value]) => (
          <div key={label} className="rounded-xl border border-slate-800 p-4">
            <dt className="text-sm text-slate-400">{label}</dt>
            <dd className="mt-1 text-2xl font-semibold" data-testid={`table-${label}`}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
      {d.fileSizes ? <FileSizes buckets={d.fileSizes} /> : null}
      <section aria-labelledby="schema" className="flex flex-col gap-2">
        <h2 id="schema" className="text-xl font-semibold">
          Schema <span className="text-sm font-normal text-slate-400">id {d.currentSchemaId}</span>
        </h2>
        <table className="text-left text-sm" aria-label="Columns">
          <thead className="text-slate-400">
            <tr>
              <th className="py-1 pr-4 font-medium">Field id</th>
              <th className="py-1 pr-4 font-medium">Name</th>
              <th className="py-1 pr-4 font-medium">Type</th>
              <th className="py-1 font-medium">Required</th>
            </tr>
          </thead>
          <tbody>
            {d.columns.map((c) => (
              <tr key={c.id} className="border-t border-slate-800">
                <td className="py-1 pr-4 font-mono">{c.id}</td>
                <td className="py-1 pr-4 font-mono" style={{ paddingLeft: `${(c.path.length - 1) * 1}rem` }}>
                  {c.path.join('.')}
                </td>
                <td className="py-1 pr-4 font-mono">
                  {c.elementType ? `${c.type}<${c.elementType}>` : c.type}
                </td>
                <td className="py-1">{c.required ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3 className="mt-2 font-semibold">Evolution</h3>
        <ol className="text-sm" aria-label="Schema history">
          {d.schemaHistory.map((s) => (
            <li key={s.schemaId} className="border-t border-slate-800 py-1">
              Schema {s.schemaId}: {s.columns} columns
              {changed('added', s.added, s.addedCount)}
              {changed('dropped', s.dropped, s.droppedCount)}
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="partitioning" className="flex flex-col gap-2">
        <h2 id="partitioning" className="text-xl font-semibold">
          Partitioning
        </h2>
        {d.partitionSpec.length === 0 ? (
          <p className="text-sm text-slate-400">Unpartitioned.</p>
        ) : (
          <ul className="text-sm" aria-label="Partition spec">
            {d.partitionSpec.map((p) => (
              <li key={p.fieldId} className="font-mono">
                {p.transform}({nameOf(p.sourceId)}) → {p.name}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="snapshots" className="flex flex-col gap-2">
        <h2 id="snapshots" className="text-xl font-semibold">
          Snapshots{' '}
          <span className="text-sm font-normal text-slate-400">
            newest {d.snapshots.length} of {d.totalSnapshots}
          </span>
        </h2>
        <TableRefs refs={d.refs ?? []} />
        {d.snapshots.length === 0 ? (
          <p className="text-sm text-slate-400">No snapshot yet: the first commit makes one.</p>
        ) : (
          <table className="text-left text-sm" aria-label="Snapshots">
            <thead className="text-slate-400">
              <tr>
                <th className="py-1 pr-4 font-medium">Time</th>
                <th className="py-1 pr-4 font-medium">Operation</th>
                <th className="py-1 pr-4 font-medium">Written by</th>
                <th className="py-1 pr-4 font-medium">Records added / removed</th>
                <th className="py-1 pr-4 font-medium">Files added / removed</th>
                <th className="py-1 pr-4 font-medium">Size added</th>
                {d.currentSnapshotId === undefined ? null : <th className="py-1 font-medium">Recovery</th>}
              </tr>
            </thead>
            <tbody>
              {d.snapshots.map((s) => (
                <tr key={s.snapshotId} className="border-t border-slate-800">
                  <td className="py-1 pr-4">{utc(s.timestampMs)}</td>
                  <td className="py-1 pr-4">{s.operation}</td>
                  <td className="py-1 pr-4">{WRITERS[s.writer]}</td>
                  <td className="py-1 pr-4">
                    {count(s.addedRecords)} / {count(s.deletedRecords)}
                  </td>
                  <td className="py-1 pr-4">
                    {count(s.addedDataFiles + s.addedDeleteFiles)} / {count(s.deletedDataFiles)}
                  </td>
                  <td className="py-1 pr-4">{bytes(s.addedFilesBytes)}</td>
                  {d.currentSnapshotId === undefined ? null : (
                    <td className="py-1">
                      <SnapshotActions snapshot={s} head={s.snapshotId === d.currentSnapshotId} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

/** "< 1 MiB", "1–8 MiB", …, "≥ 512 MiB": each bucket by the bounds around it. */
function bucketLabels(buckets: NonNullable<Description['fileSizes']>): string[] {
  return buckets.map((b, i) => {
    const below = buckets[i - 1]?.belowBytes;
    if (b.belowBytes === null) return `≥ ${bytes(below ?? 0)}`;
    return below === undefined || below === null
      ? `< ${bytes(b.belowBytes)}`
      : `${bytes(below)} – ${bytes(b.belowBytes)}`;
  });
}

function FileSizes({ buckets }: { buckets: NonNullable<Description['fileSizes']> }) {
  const labels = bucketLabels(buckets);
  const data = buckets.map((b, i) => ({ size: labels[i], files: b.dataFiles, bytes: b.bytes }));
  return (
    <figure className="rounded-xl border border-slate-800 p-4" aria-label="Data files by size">
      <figcaption className="mb-2 text-sm text-slate-300">
        Live data files of the current snapshot by file size (small files are what compaction merges)
      </figcaption>
      <div className="h-56">
        <ResponsiveContainer>
          <BarChart data={data} margin={{ top: 4, right: 16, bottom: 16, left: 16 }}>
            <CartesianGrid stroke="#1e293b" vertical={false} />
            <XAxis
              dataKey="size"
              stroke="#64748b"
              fontSize={12}
              label={{
                value: 'File size',
                position: 'insideBottom',
                offset: -12,
                fill: '#94a3b8',
                fontSize: 12,
              }}
            />
            <YAxis
              allowDecimals={false}
              stroke="#64748b"
              fontSize={12}
              label={{
                value: 'Data files',
                angle: -90,
                position: 'insideLeft',
                fill: '#94a3b8',
                fontSize: 12,
              }}
            />
            <Tooltip
              contentStyle={{ background: '#0f172a', border: '1px solid #334155' }}
              formatter={(value, _name, item) =>
                `${count(Number(value))} files, ${bytes(item.payload.bytes)}`
              }
            />
            <Legend verticalAlign="bottom" wrapperStyle={{ fontSize: 12, paddingTop: 16 }} />
            <Bar dataKey="files" name="Data files" fill="#38bdf8" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
