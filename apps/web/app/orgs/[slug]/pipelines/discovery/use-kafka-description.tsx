'use client';

import type { RouterInputs, RouterOutputs } from '@floe/api';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../../../../src/trpc/react';

export type KafkaDescription = NonNullable<RouterOutputs['discovery']['kafkaResult']['description']>;

type Ask = Omit<RouterInputs['discovery']['describeKafka'], 'orgSlug'>;

export type Discovery =
  | { state: 'idle' }
  | { state: 'waiting'; agentName: string | undefined }
  | { state: 'failed'; message: string }
  | { state: 'succeeded'; description: KafkaDescription; agentName: string };

/** Asks an agent to describe a Kafka connection, and polls for its answer until it comes. */
export function useKafkaDescription(orgSlug: string): [Discovery, (ask: Ask) => void] {
  const trpc = useTRPC();
  const describe = useMutation(trpc.discovery.describeKafka.mutationOptions());
  const jobId = describe.data?.jobId;
  const answer = useQuery({
    ...trpc.discovery.kafkaResult.queryOptions({ orgSlug, jobId: jobId ?? '' }),
    enabled: jobId !== undefined,
    refetchInterval: (query) => (query.state.data?.state === 'waiting' ? 1000 : false),
  });
  const start = (ask: Ask) => describe.mutate({ orgSlug, ...ask });
  const agentName = describe.data?.agentName;
  if (describe.isIdle) return [{ state: 'idle' }, start];
  if (describe.error) return [{ state: 'failed', message: describe.error.message }, start];
  if (answer.error) return [{ state: 'failed', message: answer.error.message }, start];
  const data = answer.data;
  if (data?.state === 'failed') return [{ state: 'failed', message: data.message ?? 'failed' }, start];
  if (data?.state === 'succeeded' && data.description && agentName)
    return [{ state: 'succeeded', description: data.description, agentName }, start];
  return [{ state: 'waiting', agentName }, start];
}

/** Whether an agent is online to discover with; undefined while asking. */
export function useOnlineAgent(orgSlug: string, agentId: string | undefined) {
  const trpc = useTRPC();
  const { data } = useQuery(
    trpc.discovery.onlineAgent.queryOptions({ orgSlug, ...(agentId ? { agentId } : {}) }),
  );
  return data;
}

export function DiscoveryStatus({ discovery, what }: { discovery: Discovery; what: string }) {
  if (discovery.state === 'waiting')
    return (
      <p role="status" className="text-sm text-slate-400">
        {discovery.agentName ? `${discovery.agentName} is ${what}…` : 'Asking an agent…'}
      </p>
    );
  if (discovery.state === 'failed')
    return (
      <p role="alert" className="text-sm text-rose-300">
        The agent could not do it: {discovery.message}
      </p>
    );
  return null;
}

export function NoAgentNotice({ fallback }: { fallback: string }) {
  return (
    <p
      role="status"
      className="rounded-lg border border-amber-500/40 bg-amber-500/10 px-3 py-2 text-sm text-amber-200"
    >
      No agent is online, so Floe cannot look inside your Kafka from here. {fallback}
    </p>
  );
}
