'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../../../../src/trpc/react';

/** Runs the connection test through an agent and shows its answer as it arrives. */
export function TestConnection({ orgSlug, connectionId }: { orgSlug: string; connectionId: string }) {
  const trpc = useTRPC();
  const [job, setJob] = useState<{ jobId: string; agentName: string }>();
  const start = useMutation(trpc.connection.test.mutationOptions({ onSuccess: setJob }));
  const result = useQuery({
    ...trpc.connection.testResult.queryOptions({ orgSlug, jobId: job?.jobId ?? '' }),
    enabled: job !== undefined,
    refetchInterval: (query) => (query.state.data?.state === 'waiting' ? 1000 : false),
  });
  const answer = result.data;
  return (
    <span className="flex flex-col items-end gap-1" data-testid={`test-${connectionId}`}>
      <button
        type="button"
        disabled={start.isPending || answer?.state === 'waiting'}
        onClick={() => {
          setJob(undefined);
          start.mutate({ orgSlug, connectionId });
        }}
        className="text-sky-300 hover:text-sky-200 disabled:opacity-50"
      >
        Test connection
      </button>
      {start.error ? (
        <span role="alert" className="text-xs text-rose-300">
          {start.error.message}
        </span>
      ) : null}
      {job && (!answer || answer.state === 'waiting') ? (
        <span className="text-xs text-slate-400">waiting for {job.agentName}…</span>
      ) : null}
      {answer?.state === 'succeeded' ? (
        <span className="text-xs text-emerald-300">
          ✓ reachable from {job?.agentName}:{' '}
          {Object.entries(answer.result ?? {})
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}
        </span>
      ) : null}
      {answer?.state === 'failed' ? (
        <span role="alert" className="text-xs text-rose-300">
          ✗ {answer.message}
        </span>
      ) : null}
    </span>
  );
}
