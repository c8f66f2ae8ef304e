'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../../../../src/trpc/react';

/**
 * Runs the connection test through an agent and shows its answer as it arrives. Storage and Glue
 * are tested as the organization's AWS role; with several (`roles`), as the one chosen here.
 */
export function TestConnection({
  orgSlug,
  connectionId,
  roles,
}: {
  orgSlug: string;
  connectionId: string;
  roles?: { id: string; name: string }[];
}) {
  const trpc = useTRPC();
  const [job, setJob] = useState<{ jobId: string; agentName: string; role: string | null }>();
  const [roleConnectionId, setRoleConnectionId] = useState(roles?.[0]?.id);
  const start = useMutation(trpc.connection.test.mutationOptions({ onSuccess: setJob }));
  const result = useQuery({
    ...trpc.connection.testResult.queryOptions({ orgSlug, jobId: job?.jobId ?? '' }),
    enabled: job !== undefined,
    refetchInterval: (query) =>
      query.state.data?.state === 'waiting' || query.state.data?.state === 'running' ? 1000 : false,
  });
  const answer = result.data;
  const pending = answer?.state === 'waiting' || answer?.state === 'running';
  return (
    <span className="flex flex-col items-end gap-1" data-testid={`test-${connectionId}`}>
      {roles ? (
        <select
          aria-label="Test as AWS role"
          value={roleConnectionId}
          onChange={(e) => setRoleConnectionId(e.target.value)}
          className="rounded border border-slate-700 bg-slate-900 px-1 text-xs"
        >
          {roles.map((r) => (
            <option key={r.id} value={r.id}>
              as {r.name}
            </option>
          ))}
        </select>
      ) : null}
      <button
        type="button"
        disabled={start.isPending || pending}
        onClick={() => {
          setJob(undefined);
          start.mutate({ orgSlug, connectionId, ...(roles && { roleConnectionId }) });
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
      {job && answer?.state === 'running' ? (
        <span className="text-xs text-slate-400">{job.agentName} is testing…</span>
      ) : null}
      {answer?.state === 'succeeded' ? (
        <span className="text-xs text-emerald-300">
          ✓ reachable from {job?.agentName}
          {job?.role ? ` as ${job.role}` : ''}:{' '}
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
