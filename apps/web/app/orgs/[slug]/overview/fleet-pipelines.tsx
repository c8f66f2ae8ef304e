'use client';

import { useState } from 'react';
import { freshnessText, percent } from '../../../../src/components/contract-health';
import { Row } from '../../../../src/components/table';
import { CompactionCell } from './compaction-cell';
import { FleetFilter, NoMatch } from './fleet-filter';
import {
  type FleetPipeline,
  filterRows,
  keepPipeline,
  PIPELINE_FILTERS,
  type PipelineColumn,
  type PipelineFilter,
  type PipelineState,
  pipelineValue,
  type Sort,
  sortRows,
} from './fleet-order';
import { ErrorCell, SortableTable, WhenCell } from './sortable-table';

const COLUMNS: { key: PipelineColumn; label: string }[] = [
  { key: 'name', label: 'Pipeline' },
  { key: 'state', label: 'State' },
  { key: 'freshness', label: 'Freshness / SLO' },
  { key: 'lag', label: 'Lag (records)' },
  { key: 'rate', label: 'Records/s' },
  { key: 'lastCommit', label: 'Last commit' },
  { key: 'lastError', label: 'Last error' },
  { key: 'incidents', label: 'Open incidents' },
  { key: 'compaction', label: 'Compaction' },
];

const STATE_LOOK: Record<PipelineState, string> = {
  failing: 'bg-rose-500/15 text-rose-300',
  breaching: 'bg-orange-500/15 text-orange-300',
  late: 'bg-amber-500/15 text-amber-300',
  healthy: 'bg-emerald-500/15 text-emerald-300',
  paused: 'bg-slate-500/15 text-slate-300',
};

const count = (n: number | null) => (n === null ? '—' : Math.round(n).toLocaleString('en'));

function Freshness({ p }: { p: FleetPipeline }) {
  const now = p.freshnessSeconds === null ? '—' : freshnessText(p.freshnessSeconds);
  if (p.sloMinutes === null) return <>{now} · no SLO</>;
  return (
    <>
      {now} / {p.sloMinutes} min
      {p.compliancePercent === null ? null : (
        <span className="block text-xs text-slate-500">{percent(p.compliancePercent)} within</span>
      )}
    </>
  );
}

/** Every pipeline of the organization, worst first, with a name filter and a state filter. */
export function FleetPipelines({
  orgSlug,
  pipelines,
  nowMs,
}: {
  orgSlug: string;
  pipelines: FleetPipeline[];
  nowMs: number;
}) {
  const [text, setText] = useState('');
  const [filter, setFilter] = useState<PipelineFilter>('all');
  const [sort, setSort] = useState<Sort<PipelineColumn>>({ key: 'state', direction: 'ascending' });
  const rows = sortRows(filterRows(pipelines, text, keepPipeline(filter)), sort, pipelineValue);
  return (
    <div className="flex flex-col gap-3">
      <FleetFilter
        of="pipelines"
        text={text}
        onText={setText}
        choice={filter}
        choices={PIPELINE_FILTERS}
        onChoice={setFilter}
      />
      {rows.length === 0 ? (
        <NoMatch of="pipelines" />
      ) : (
        <SortableTable label="Pipelines" columns={COLUMNS} sort={sort} onSort={setSort}>
          {rows.map((p) => (
            <Row key={p.id}>
              <td className="py-2">
                <a href={`/orgs/${orgSlug}/pipelines/${p.id}`} className="hover:text-sky-300">
                  {p.name}
                </a>
                <span className="block text-xs text-slate-500">{p.agentName}</span>
              </td>
              <td className="py-2">
                <span className={`rounded px-2 py-0.5 text-xs ${STATE_LOOK[p.state]}`}>{p.state}</span>
              </td>
              <td className="py-2 text-slate-300">
                <Freshness p={p} />
              </td>
              <td className="py-2 text-slate-300">{count(p.lagRecords)}</td>
              <td className="py-2 text-slate-300">{count(p.recordsPerSecond)}</td>
              <WhenCell atMs={p.lastCommitAtMs} nowMs={nowMs} none="—" />
              <ErrorCell error={p.lastError} />
              <td className="py-2 text-slate-300">{p.openIncidents}</td>
              <CompactionCell compaction={p.compaction} nowMs={nowMs} />
            </Row>
          ))}
        </SortableTable>
      )}
    </div>
  );
}
