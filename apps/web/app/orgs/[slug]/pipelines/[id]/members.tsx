'use client';

import { useQuery } from '@tanstack/react-query';
import { DataTable, Row } from '../../../../../src/components/table';
import { useTRPC } from '../../../../../src/trpc/react';

/** "orders: 0, 3, 6 · refunds: 1": the partitions a member reads, by topic. */
function partitionList(partitions: { topic: string; partition: number }[]): string {
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
  return [...byTopic].map(([topic, numbers]) => `${topic}: ${numbers.join(', ')}`).join(' · ') || '—';
}

/** The longest any of the member's partitions has waited, in seconds, when known. */
function maxLagSeconds(partitions: { lagSeconds: number | null }[]): string {
  const known = partitions.flatMap((p) => (p.lagSeconds === null ? [] : [p.lagSeconds]));
  return known.length === 0 ? '—' : Math.max(...known).toFixed(1);
}

/**
 * Who runs the pipeline now: its agent, or each member of its pool with the partitions the consumer
 * group gave it, its rate and its lag, from the members' own reports (every 10 s).
 */
export function PipelineMembers({ orgSlug, pipelineId }: { orgSlug: string; pipelineId: string }) {
  const trpc = useTRPC();
  const { data, error } = useQuery({
    ...trpc.pipeline.members.queryOptions({ orgSlug, pipelineId }),
    refetchInterval: 10_000,
  });
  if (error)
    return (
      <p role="alert" className="text-sm text-rose-300">
        Members are unavailable: {error.message}
      </p>
    );
  if (!data) return null;
  return (
    <section aria-labelledby="members" className="flex flex-col gap-4">
      <h2 id="members" className="text-xl font-semibold">
        Members
      </h2>
      {data.length === 0 ? (
        <p className="text-sm text-slate-400">No member is online to run it.</p>
      ) : (
        <DataTable columns={['Agent', 'Status', 'Partitions', 'Records/s', 'Lag (records)', 'Lag (s, max)']}>
          {data.map((m) => (
            <Row key={m.agentId}>
              <td className="py-2">{m.name}</td>
              <td className="py-2 text-slate-300">{m.status}</td>
              <td
                className="py-2 font-mono text-xs text-slate-300"
                data-testid={`member-partitions-${m.agentId}`}
              >
                {partitionList(m.partitions)}
              </td>
              <td className="py-2 text-slate-300">
                {m.recordsPerSecond === null ? '—' : Math.round(m.recordsPerSecond).toLocaleString('en')}
              </td>
              <td className="py-2 text-slate-300">
                {m.lagRecords === null ? '—' : BigInt(m.lagRecords).toLocaleString('en')}
              </td>
              <td className="py-2 text-slate-300">{maxLagSeconds(m.partitions)}</td>
            </Row>
          ))}
        </DataTable>
      )}
    </section>
  );
}
