'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../../../src/trpc/react';
import { FleetAgents } from './fleet-agents';
import type { FleetPipeline } from './fleet-order';
import { FleetPipelines } from './fleet-pipelines';

type Running = FleetPipeline['compaction']['running'];

/** Running, or sent in the last 10 minutes: one sent to an agent that is away does not keep the page polling fast. */
const underWay = (run: Running, nowMs: number) =>
  run !== null && (run.status === 'RUNNING' || nowMs - run.sentAtMs < 10 * 60_000);

/**
 * The organization's pipelines and agents with their health, refreshed every 30 s, and every 5 s
 * while a compaction is under way, so its steps and outcome show as they happen.
 */
export function FleetOverview({ orgSlug }: { orgSlug: string }) {
  const trpc = useTRPC();
  const { data, error, isLoading, dataUpdatedAt } = useQuery({
    ...trpc.fleet.overview.queryOptions({ orgSlug }),
    refetchInterval: (query) =>
      query.state.data?.pipelines.some((p) => underWay(p.compaction.running, Date.now())) ? 5_000 : 30_000,
  });
  if (isLoading)
    return (
      <p role="status" className="text-sm text-slate-400">
        Loading pipelines and agents…
      </p>
    );
  if (error)
    return (
      <p role="alert" className="text-sm text-rose-300">
        The fleet overview is unavailable: {error.message}
      </p>
    );
  if (!data) return null;
  return (
    <>
      <section aria-labelledby="fleet-pipelines" className="flex flex-col gap-3">
        <h2 id="fleet-pipelines" className="text-xl font-semibold">
          Pipelines
        </h2>
        {data.pipelines.length === 0 ? (
          <p className="rounded-xl border border-dashed border-slate-700 p-6 text-sm text-slate-400">
            No pipelines yet. Each one appears here with its freshness, lag and errors.
          </p>
        ) : (
          <FleetPipelines orgSlug={orgSlug} pipelines={data.pipelines} nowMs={dataUpdatedAt} />
        )}
      </section>
      <section aria-labelledby="fleet-agents" className="flex flex-col gap-3">
        <h2 id="fleet-agents" className="text-xl font-semibold">
          Agents
        </h2>
        {data.agents.length === 0 ? (
          <p className="rounded-xl border border-dashed border-slate-700 p-6 text-sm text-slate-400">
            No agents yet. Install one in your VPC; it appears here with its version and pipelines.
          </p>
        ) : (
          <FleetAgents
            orgSlug={orgSlug}
            agents={data.agents}
            release={data.agentRelease}
            nowMs={dataUpdatedAt}
          />
        )}
      </section>
    </>
  );
}
