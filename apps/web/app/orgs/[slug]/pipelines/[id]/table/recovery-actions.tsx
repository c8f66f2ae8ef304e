'use client';

import type { RouterOutputs } from '@floe/api';
import { useMutation, useQuery } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState } from 'react';
import { useTRPC } from '../../../../../../src/trpc/react';

type Description = NonNullable<RouterOutputs['discovery']['tableResult']['description']>;
type Snapshot = Description['snapshots'][number];

export interface RecoveryAccess {
  /** Editors tag and untag. */
  canTag: boolean;
  /** Admins roll main back. */
  canRollback: boolean;
}

interface Recovery extends RecoveryAccess {
  orgSlug: string;
  pipelineId: string;
  /** Sends one recovery call; what it says is shown until the next. */
  run: (what: string, send: () => Promise<{ jobId: string }>) => void;
  busy: boolean;
}

const RecoveryContext = createContext<Recovery | null>(null);

function useRecovery(): Recovery {
  const recovery = useContext(RecoveryContext);
  if (recovery === null) throw new Error('recovery actions outside their provider');
  return recovery;
}

/** Runs the table's recovery actions through its agent, one at a time; `changed` reads the table again. */
export function RecoveryProvider({
  orgSlug,
  pipelineId,
  access,
  changed,
  children,
}: {
  orgSlug: string;
  pipelineId: string;
  access: RecoveryAccess;
  changed: () => void;
  children: React.ReactNode;
}) {
  const trpc = useTRPC();
  const [pending, setPending] = useState<{ what: string; jobId: string } | null>(null);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const result = useQuery({
    ...trpc.recovery.result.queryOptions({ orgSlug, jobId: pending?.jobId ?? '' }),
    enabled: pending !== null,
    refetchInterval: (query) => (query.state.data?.state === 'waiting' ? 1000 : false),
  });
  const answer = result.data;
  useEffect(() => {
    if (pending === null || answer === undefined || answer.state === 'waiting') return;
    setSaid(
      answer.state === 'succeeded'
        ? { ok: true, text: `${pending.what}: done${summary(answer.description ?? {})}` }
        : { ok: false, text: `${pending.what}: ${answer.message}` },
    );
    setPending(null);
    if (answer.state === 'succeeded') changed();
  }, [answer, pending, changed]);
  const run = (what: string, send: () => Promise<{ jobId: string }>) => {
    setSaid(null);
    send().then(
      ({ jobId }) => setPending({ what, jobId }),
      (error: Error) => setSaid({ ok: false, text: `${what}: ${error.message}` }),
    );
  };
  return (
    <RecoveryContext.Provider value={{ ...access, orgSlug, pipelineId, run, busy: pending !== null }}>
      {pending ? (
        <p role="status" className="text-sm text-slate-300">
          {pending.what}: the agent is on it…
        </p>
      ) : null}
      {said ? (
        <p
          role={said.ok ? 'status' : 'alert'}
          className={said.ok ? 'text-sm text-emerald-300' : 'text-sm text-rose-300'}
        >
          {said.text}
        </p>
      ) : null}
      {children}
    </RecoveryContext.Provider>
  );
}

/** The agent's figures worth a sentence: how many records a rollback reads again. */
function summary(figures: Record<string, string | number | boolean>): string {
  return figures.recordsToReread !== undefined
    ? ` — the pipeline reads ${figures.recordsToReread} records again from Kafka`
    : '';
}

/** The table's tags and branches; an editor drops a tag. */
export function TableRefs({ refs }: { refs: NonNullable<Description['refs']> }) {
  const trpc = useTRPC();
  const { orgSlug, pipelineId, canTag, run, busy } = useRecovery();
  const untag = useMutation(trpc.recovery.untag.mutationOptions());
  if (refs.length === 0) return null;
  return (
    <ul className="flex flex-wrap gap-2 text-sm" aria-label="Tags and branches">
      {refs.map((r) => (
        <li key={r.name} className="flex items-center gap-2 rounded-lg border border-slate-800 px-2 py-1">
          <span className="font-mono">{r.name}</span>
          <span className="text-slate-400">
            {r.type} at {r.snapshotId}
          </span>
          {r.type === 'tag' && canTag ? (
            <button
              type="button"
              disabled={busy}
              className="text-rose-300 hover:text-rose-200 disabled:opacity-50"
              onClick={() =>
                run(`Drop tag ${r.name}`, () => untag.mutateAsync({ orgSlug, pipelineId, name: r.name }))
              }
            >
              Drop
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** A snapshot row's actions: tag it; roll main back to it when it is an earlier snapshot of main. */
export function SnapshotActions({ snapshot, head }: { snapshot: Snapshot; head: boolean }) {
  const trpc = useTRPC();
  const { orgSlug, pipelineId, canTag, canRollback, run, busy } = useRecovery();
  const tag = useMutation(trpc.recovery.tag.mutationOptions());
  const rollback = useMutation(trpc.recovery.rollback.mutationOptions());
  const [name, setName] = useState('');
  const { snapshotId } = snapshot;
  return (
    <div className="flex flex-wrap items-center gap-2">
      {canTag ? (
        <form
          className="flex items-center gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            run(`Tag ${name}`, () => tag.mutateAsync({ orgSlug, pipelineId, name, snapshotId }));
            setName('');
          }}
        >
          <input
            aria-label={`Tag name for snapshot ${snapshotId}`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="tag"
            className="w-28 rounded border border-slate-700 bg-slate-900 px-1 text-xs"
          />
          <button
            type="submit"
            disabled={busy || name === ''}
            className="text-xs text-sky-300 disabled:opacity-50"
          >
            Tag
          </button>
        </form>
      ) : null}
      {canRollback && snapshot.onMain && !head ? (
        <button
          type="button"
          disabled={busy}
          className="text-xs text-amber-300 hover:text-amber-200 disabled:opacity-50"
          onClick={() => {
            if (
              !window.confirm(
                `Roll main back to snapshot ${snapshotId}? Readers see the table as it was then; the pipeline reads what followed again from Kafka.`,
              )
            )
              return;
            run(`Roll back to ${snapshotId}`, () =>
              rollback.mutateAsync({ orgSlug, pipelineId, snapshotId }),
            );
          }}
        >
          Roll back main here
        </button>
      ) : null}
      {head ? <span className="text-xs text-emerald-300">main</span> : null}
    </div>
  );
}
