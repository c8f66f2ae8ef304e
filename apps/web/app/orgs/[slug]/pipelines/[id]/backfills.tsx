'use client';

import type { RouterOutputs } from '@floe/api';
import { partitionByText } from '@floe/api/pipeline-form';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../../../../../src/trpc/react';

type Backfill = RouterOutputs['backfill']['list'][number];
type JobState = Backfill['run'];

const utc = (d: Date) => `${d.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
const fromInput = (text: string) => (text === '' ? null : Date.parse(`${text}Z`));

/**
 * Backfills of the pipeline's table: the agent rebuilds it on a branch beside the live table (its own
 * consumer, throttled), the branch is validated against Kafka's offsets, then cut over to main in one
 * commit, or aborted. Admins start, cut over and abort; editors validate.
 */
export function Backfills({
  orgSlug,
  pipelineId,
  canValidate,
  canRun,
  refusal,
}: {
  orgSlug: string;
  pipelineId: string;
  canValidate: boolean;
  canRun: boolean;
  /** Why this pipeline's table cannot be backfilled (the agent refuses it too): shown instead of the form. */
  refusal: string | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery({
    ...trpc.backfill.list.queryOptions({ orgSlug, pipelineId }),
    refetchInterval: (q) =>
      q.state.data?.some((b) => [b.run, b.validation, b.cutover, b.abort].some(pending)) ? 2000 : false,
  });
  const refresh = () =>
    queryClient.invalidateQueries(trpc.backfill.list.queryFilter({ orgSlug, pipelineId }));
  const [error, setError] = useState<string | null>(null);
  const onError = (e: { message: string }) => setError(e.message);
  const onSuccess = () => {
    setError(null);
    void refresh();
  };
  const start = useMutation(trpc.backfill.start.mutationOptions({ onSuccess, onError }));
  const validate = useMutation(trpc.backfill.validate.mutationOptions({ onSuccess, onError }));
  const cutover = useMutation(trpc.backfill.cutover.mutationOptions({ onSuccess, onError }));
  const abort = useMutation(trpc.backfill.abort.mutationOptions({ onSuccess, onError }));
  const [from, setFrom] = useState('');
  const [until, setUntil] = useState('');
  const [rate, setRate] = useState('');
  const [lag, setLag] = useState('');
  const [partitionBy, setPartitionBy] = useState('');
  const [partitionError, setPartitionError] = useState<string | null>(null);
  const backfills = list.data ?? [];
  return (
    <section aria-labelledby="backfills" className="flex flex-col gap-3">
      <h2 id="backfills" className="text-xl font-semibold">
        Backfills
      </h2>
      <p className="max-w-2xl text-sm text-slate-400">
        Rebuild the table from Kafka on a branch beside the live one, check it record for record against the
        topic's offsets, then publish it in one commit: readers see the old table or the new one, never a mix.
      </p>
      {refusal !== null ? (
        <p className="max-w-2xl text-sm text-amber-300" role="note">
          Not available for this pipeline: {refusal}.
        </p>
      ) : canRun ? (
        <form
          className="flex flex-wrap items-end gap-3 text-sm"
          aria-label="Start a backfill"
          onSubmit={(e) => {
            e.preventDefault();
            // Checked as the wizard checks it; the message goes on the field.
            const spec = partitionByText.safeParse(partitionBy);
            setPartitionError(
              spec.success ? null : (spec.error.issues[0]?.message ?? 'not a partition spec'),
            );
            if (!spec.success) return;
            const startMs = fromInput(from);
            const endMs = fromInput(until);
            start.mutate({
              orgSlug,
              pipelineId,
              request: {
                start: startMs === null ? 'earliest' : { timestampMs: startMs },
                end: endMs === null ? 'now' : { timestampMs: endMs },
                ...(rate !== '' && { maxRecordsPerSecond: Number(rate) }),
                ...(lag !== '' && { maxLiveLagRecords: Number(lag) }),
                ...(spec.data !== '' && { partitionBy: spec.data }),
              },
            });
          }}
        >
          <label className="flex flex-col gap-1">
            From (UTC; empty: the oldest record Kafka keeps)
            <input
              type="datetime-local"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
              className="rounded border border-slate-700 bg-slate-900 px-2 py-1"
            />
          </label>
          <label className="flex flex-col gap-1">
            Until (UTC; empty: now)
            <input
              type="datetime-local"
              value={until}
              onChange={(e) => setUntil(e.target.value)}
              className="rounded border border-slate-700 bg-slate-900 px-2 py-1"
            />
          </label>
          <label className="flex flex-col gap-1">
            Records per second at most
            <input
              type="number"
              min={1}
              value={rate}
              onChange={(e) => setRate(e.target.value)}
              placeholder="no cap"
              className="w-36 rounded border border-slate-700 bg-slate-900 px-2 py-1"
            />
          </label>
          <label className="flex flex-col gap-1">
            Wait while the live pipeline lags more than (records)
            <input
              type="number"
              min={0}
              value={lag}
              onChange={(e) => setLag(e.target.value)}
              placeholder="never wait"
              className="w-36 rounded border border-slate-700 bg-slate-900 px-2 py-1"
            />
          </label>
          <label className="flex flex-col gap-1">
            Re-partition by (empty: keep the table's)
            <input
              value={partitionBy}
              onChange={(e) => setPartitionBy(e.target.value)}
              placeholder="e.g. day(event_ts), bucket[16](user_id)"
              aria-invalid={partitionError !== null}
              aria-describedby="backfill-partition-error"
              className="w-64 rounded border border-slate-700 bg-slate-900 px-2 py-1"
            />
            {partitionError ? (
              <span id="backfill-partition-error" className="text-rose-300">
                {partitionError}
              </span>
            ) : null}
          </label>
          <button
            type="submit"
            disabled={start.isPending}
            className="rounded bg-sky-600 px-3 py-1 font-medium hover:bg-sky-500 disabled:opacity-50"
          >
            Start backfill
          </button>
        </form>
      ) : null}
      {error ? (
        <p role="alert" className="text-sm text-rose-300">
          {error}
        </p>
      ) : null}
      {backfills.length === 0 ? (
        <p className="text-sm text-slate-400">No backfill yet.</p>
      ) : (
        <ul className="flex flex-col gap-3" aria-label="Backfills">
          {backfills.map((b) => {
            const ids = { orgSlug, pipelineId, backfillId: b.id };
            const ended = b.abort !== null || b.cutover?.state === 'finished';
            return (
              <li
                key={b.id}
                className="rounded-xl border border-slate-800 p-3 text-sm"
                data-testid={`backfill-${b.id}`}
              >
                <p className="font-medium">
                  <span className="font-mono">backfill-{b.id}</span>{' '}
                  <span className="text-slate-400">
                    started {utc(b.createdAt)} ·{' '}
                    {b.request.start === 'earliest'
                      ? 'from the oldest record'
                      : `from ${utc(new Date(b.request.start.timestampMs))}`}{' '}
                    {b.request.end === 'now' ? 'to then' : `to ${utc(new Date(b.request.end.timestampMs))}`}
                    {b.request.partitionBy ? `, re-partitioned by ${b.request.partitionBy}` : ''}
                  </span>
                </p>
                <Step label="Rebuild" job={b.run} />
                {b.validation ? <Step label="Validation" job={b.validation} /> : null}
                {b.cutover ? <Step label="Cutover" job={b.cutover} /> : null}
                {b.abort ? <Step label="Abort" job={b.abort} /> : null}
                {!ended ? (
                  <p className="mt-2 flex gap-3">
                    {canValidate && b.run.state === 'finished' ? (
                      <button type="button" className="text-sky-300" onClick={() => validate.mutate(ids)}>
                        Validate
                      </button>
                    ) : null}
                    {canRun && b.validation?.result?.valid === true && !pending(b.cutover) ? (
                      <button
                        type="button"
                        className="text-amber-300"
                        onClick={() => {
                          if (
                            window.confirm(
                              'Publish the branch as the table? The pipeline pauses for the catch-up.',
                            )
                          )
                            cutover.mutate(ids);
                        }}
                      >
                        Cut over
                      </button>
                    ) : null}
                    {canRun && !pending(b.cutover) ? (
                      <button type="button" className="text-rose-300" onClick={() => abort.mutate(ids)}>
                        Abort
                      </button>
                    ) : null}
                  </p>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function pending(job: JobState | null): boolean {
  return job !== null && (job.state === 'sent' || job.state === 'running');
}

/** One job of a backfill: how it stands, and its figures once done. */
function Step({ label, job }: { label: string; job: JobState }) {
  const r = job.result;
  const text =
    job.state === 'failed'
      ? `failed: ${job.message}`
      : job.state === 'finished'
        ? label === 'Rebuild'
          ? r?.branchDropped === true
            ? 'stopped: its branch was dropped (aborted or cut over)'
            : `done: ${r?.records} records, ${r?.deadLetters} dead letters`
          : label === 'Validation'
            ? `${r?.valid ? 'valid' : 'not valid'}: ${r?.rows} rows for ${r?.offsets} offsets and ${r?.deadLetters} dead letters, ${r?.duplicates} twice, ${r?.outsideRange} outside the range${r?.schemaProblems ? `; ${r.schemaProblems}` : ''}`
            : label === 'Cutover'
              ? `main is snapshot ${r?.snapshotId} since ${utc(new Date(Number(r?.cutoverAtMs)))} (${r?.rows} rows)`
              : 'branch dropped; main untouched'
        : job.state === 'running'
          ? (job.message ?? 'running')
          : 'sent to the agent';
  return (
    <div className="mt-1">
      <p>
        <span className="text-slate-400">{label}:</span> {text}
      </p>
      {label === 'Rebuild' && job.state === 'running' && job.fraction !== null ? (
        <progress className="w-64" value={job.fraction} max={1} aria-label="Backfill progress" />
      ) : null}
    </div>
  );
}
