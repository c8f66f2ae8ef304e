'use client';

import { useState } from 'react';
import { Row } from '../../../../src/components/table';
import { FleetFilter, NoMatch } from './fleet-filter';
import {
  AGENT_FILTERS,
  type AgentColumn,
  type AgentFilter,
  agentValue,
  type FleetAgent,
  filterRows,
  keepAgent,
  type Sort,
  sortRows,
} from './fleet-order';
import { ErrorCell, SortableTable, WhenCell } from './sortable-table';
import { lasting } from './when';

const COLUMNS: { key: AgentColumn; label: string }[] = [
  { key: 'name', label: 'Agent' },
  { key: 'status', label: 'Status' },
  { key: 'version', label: 'Version' },
  { key: 'uptime', label: 'Uptime' },
  { key: 'lastSeen', label: 'Last seen' },
  { key: 'pipelines', label: 'Pipelines' },
  { key: 'lastError', label: 'Last error' },
];

/**
 * The organization's agents (revoked ones left out), those not online first, each with its version
 * against the release this control plane ships with.
 */
export function FleetAgents({
  orgSlug,
  agents,
  release,
  nowMs,
}: {
  orgSlug: string;
  agents: FleetAgent[];
  release: string;
  nowMs: number;
}) {
  const [text, setText] = useState('');
  const [filter, setFilter] = useState<AgentFilter>('all');
  const [sort, setSort] = useState<Sort<AgentColumn>>({ key: 'status', direction: 'ascending' });
  const rows = sortRows(filterRows(agents, text, keepAgent(filter)), sort, agentValue);
  return (
    <div className="flex flex-col gap-3">
      <FleetFilter
        of="agents"
        text={text}
        onText={setText}
        choice={filter}
        choices={AGENT_FILTERS}
        onChoice={setFilter}
      />
      {rows.length === 0 ? (
        <NoMatch of="agents" />
      ) : (
        <SortableTable label="Agents" columns={COLUMNS} sort={sort} onSort={setSort}>
          {rows.map((a) => (
            <Row key={a.id}>
              <td className="py-2">
                <a href={`/orgs/${orgSlug}/agents`} className="hover:text-sky-300">
                  {a.name}
                </a>
              </td>
              <td className={`py-2 ${a.status === 'online' ? 'text-emerald-300' : 'text-amber-300'}`}>
                {a.status}
              </td>
              <td className="py-2 text-slate-300">
                <span className="font-mono text-xs">{a.version ?? '—'}</span>
                {a.upgradeAvailable ? (
                  <span className="block text-xs text-sky-300">upgrade to {release} available</span>
                ) : null}
              </td>
              <td className="py-2 text-slate-300">
                {a.uptimeSeconds === null ? '—' : lasting(a.uptimeSeconds)}
              </td>
              <WhenCell atMs={a.lastSeenAtMs} nowMs={nowMs} none="never" />
              <td className="py-2 text-slate-300">{a.pipelines}</td>
              <ErrorCell error={a.lastError} />
            </Row>
          ))}
        </SortableTable>
      )}
    </div>
  );
}
