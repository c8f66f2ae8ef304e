'use client';

import { compactionFigures } from '../../../../src/components/compaction-figures';
import type { FleetPipeline } from './fleet-order';
import { ago, lasting, utc } from './when';

type Compaction = FleetPipeline['compaction'];

/** A compaction under way: waiting for the agent, or the step it last reported with a bar. */
function Running({ run, nowMs }: { run: NonNullable<Compaction['running']>; nowMs: number }) {
  if (run.status === 'SENT')
    return <span title={utc(run.sentAtMs)}>sent {ago(run.sentAtMs, nowMs)}, waiting for the agent</span>;
  const since = run.startedAtMs ?? run.sentAtMs;
  return (
    <span className="flex flex-col gap-1">
      <span title={utc(since)}>running for {lasting(Math.max(0, (nowMs - since) / 1000))}</span>
      {run.fraction === null ? null : (
        <progress className="w-32" value={run.fraction} max={1} aria-label="Compaction progress" />
      )}
      {run.step === null ? null : <span className="text-xs text-slate-400">{run.step}</span>}
    </span>
  );
}

/** How the newest compaction that ended went: its figures, or its error in words. */
function Last({ run, nowMs }: { run: NonNullable<Compaction['last']>; nowMs: number }) {
  const at = run.finishedAtMs === null ? '' : ` ${ago(run.finishedAtMs, nowMs)}`;
  const title = run.finishedAtMs === null ? undefined : utc(run.finishedAtMs);
  if (run.status === 'FAILED')
    return (
      <span title={title} className="line-clamp-3 break-words text-rose-300">
        failed{at}: {run.error ?? 'no reason given'}
      </span>
    );
  // A finished compaction one of whose steps failed says which, in its figures.
  return (
    <span title={title} className={`line-clamp-3 break-words ${run.error ? 'text-amber-300' : ''}`}>
      finished{at}: {run.result ? compactionFigures(run.result) : '—'}
    </span>
  );
}

/** The pipeline's compaction on the overview: the one under way, then how the last one ended. */
export function CompactionCell({ compaction, nowMs }: { compaction: Compaction; nowMs: number }) {
  const { running, last } = compaction;
  return (
    <td className="max-w-xs py-2 text-slate-300" data-testid="compaction">
      {running === null && last === null ? '—' : null}
      {running ? <Running run={running} nowMs={nowMs} /> : null}
      {last ? (
        <span className={`block ${running ? 'mt-1 text-xs text-slate-500' : ''}`}>
          {running ? 'last ' : null}
          <Last run={last} nowMs={nowMs} />
        </span>
      ) : null}
    </td>
  );
}
