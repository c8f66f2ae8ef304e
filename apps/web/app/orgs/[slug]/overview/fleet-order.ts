import type { RouterOutputs } from '@floe/api';

export type FleetPipeline = RouterOutputs['fleet']['overview']['pipelines'][number];
export type FleetAgent = RouterOutputs['fleet']['overview']['agents'][number];
export type PipelineState = FleetPipeline['state'];

/** Worst first: what needs someone comes to the top of the overview. */
export const STATE_ORDER: PipelineState[] = ['failing', 'breaching', 'late', 'healthy', 'paused'];

export type SortDirection = 'ascending' | 'descending';
export interface Sort<K extends string> {
  key: K;
  direction: SortDirection;
}

type Sortable = string | number | null;

/**
 * Rows ordered by one column, then by name. Text compares digits as numbers (agent 0.10.0 after
 * 0.9.0). Missing values (no commit yet, no SLO) go last in either direction: an unknown is never
 * the best nor the worst.
 */
export function sortRows<R extends { name: string }, K extends string>(
  rows: R[],
  sort: Sort<K>,
  cellOf: (row: R, key: K) => Sortable,
): R[] {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const [x, y] = [cellOf(a, sort.key), cellOf(b, sort.key)];
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      return (
        sign *
        (typeof x === 'string' && typeof y === 'string'
          ? x.localeCompare(y, 'en', { numeric: true })
          : Number(x) - Number(y))
      );
    }
    return a.name.localeCompare(b.name, 'en', { numeric: true });
  });
}

/** Rows whose name holds the text (any case) and that the chosen filter keeps. */
export function filterRows<R extends { name: string }>(rows: R[], text: string, keep: (row: R) => boolean) {
  const needle = text.trim().toLowerCase();
  return rows.filter((r) => keep(r) && r.name.toLowerCase().includes(needle));
}

export const PIPELINE_COLUMNS = [
  'name',
  'state',
  'freshness',
  'lag',
  'rate',
  'lastCommit',
  'lastError',
  'incidents',
  'compaction',
] as const;
export type PipelineColumn = (typeof PIPELINE_COLUMNS)[number];

export function pipelineValue(p: FleetPipeline, key: PipelineColumn): Sortable {
  switch (key) {
    case 'name':
      return p.name;
    case 'state':
      return STATE_ORDER.indexOf(p.state);
    case 'freshness':
      return p.freshnessSeconds;
    case 'lag':
      return p.lagRecords;
    case 'rate':
      return p.recordsPerSecond;
    case 'lastCommit':
      return p.lastCommitAtMs;
    case 'lastError':
      return p.lastError?.atMs ?? null;
    case 'incidents':
      return p.openIncidents;
    case 'compaction':
      // The newest compaction news: one sent or running, else when the last one ended.
      return p.compaction.running?.sentAtMs ?? p.compaction.last?.finishedAtMs ?? null;
  }
}

/** The pipeline filter's choices: every state, or one. */
export const PIPELINE_FILTERS = ['all', ...STATE_ORDER] as const;
export type PipelineFilter = (typeof PIPELINE_FILTERS)[number];
export const keepPipeline = (filter: PipelineFilter) => (p: FleetPipeline) =>
  filter === 'all' || p.state === filter;

export const AGENT_COLUMNS = [
  'name',
  'status',
  'version',
  'uptime',
  'lastSeen',
  'pipelines',
  'lastError',
] as const;
export type AgentColumn = (typeof AGENT_COLUMNS)[number];

/** Online last when sorted by status ascending: agents that need a look come first. */
const STATUS_ORDER: FleetAgent['status'][] = ['offline', 'awaiting-install', 'online'];

export function agentValue(a: FleetAgent, key: AgentColumn): Sortable {
  switch (key) {
    case 'name':
      return a.name;
    case 'status':
      return STATUS_ORDER.indexOf(a.status);
    case 'version':
      return a.version;
    case 'uptime':
      return a.uptimeSeconds;
    case 'lastSeen':
      return a.lastSeenAtMs;
    case 'pipelines':
      return a.pipelines;
    case 'lastError':
      return a.lastError?.atMs ?? null;
  }
}

export const AGENT_FILTERS = ['all', 'upgrade available', 'not online'] as const;
export type AgentFilter = (typeof AGENT_FILTERS)[number];
export const keepAgent = (filter: AgentFilter) => (a: FleetAgent) =>
  filter === 'all' || (filter === 'upgrade available' ? a.upgradeAvailable === true : a.status !== 'online');
