import { describe, expect, it } from 'vitest';
import {
  agentValue,
  type FleetAgent,
  type FleetPipeline,
  filterRows,
  keepAgent,
  keepPipeline,
  pipelineValue,
  sortRows,
} from './fleet-order';

const pipeline = (name: string, state: FleetPipeline['state'], lagRecords: number | null): FleetPipeline => ({
  id: name,
  name,
  agentName: 'eu-1',
  state,
  freshnessSeconds: null,
  sloMinutes: null,
  compliancePercent: null,
  lagRecords,
  recordsPerSecond: null,
  lastCommitAtMs: null,
  lastError: null,
  openIncidents: 0,
  compaction: { running: null, last: null },
});

const agent = (
  name: string,
  status: FleetAgent['status'],
  version: string | null,
  upgradeAvailable: boolean | null,
): FleetAgent => ({
  id: name,
  name,
  status,
  version,
  upgradeAvailable,
  uptimeSeconds: null,
  enrolledAtMs: null,
  lastSeenAtMs: null,
  pipelines: 0,
  lastError: null,
});

const rows = [
  pipeline('a-healthy', 'healthy', 5),
  pipeline('b-paused', 'paused', null),
  pipeline('c-late', 'late', 900),
  pipeline('d-failing', 'failing', 40),
  pipeline('e-breaching', 'breaching', 0),
];
const agents = [
  agent('eu-1', 'online', '0.10.0', false),
  agent('eu-2', 'online', '0.9.0', true),
  agent('us-1', 'offline', '0.9.2', true),
  agent('us-2', 'awaiting-install', null, null),
];
const names = (list: { name: string }[]) => list.map((p) => p.name);

describe('fleet order', () => {
  it('puts failing, then breaching, then late first by state', () => {
    expect(names(sortRows(rows, { key: 'state', direction: 'ascending' }, pipelineValue))).toEqual([
      'd-failing',
      'e-breaching',
      'c-late',
      'a-healthy',
      'b-paused',
    ]);
  });

  it('sorts numbers both ways with unknown values last', () => {
    expect(names(sortRows(rows, { key: 'lag', direction: 'descending' }, pipelineValue))).toEqual([
      'c-late',
      'd-failing',
      'a-healthy',
      'e-breaching',
      'b-paused',
    ]);
    expect(names(sortRows(rows, { key: 'lag', direction: 'ascending' }, pipelineValue)).at(-1)).toBe(
      'b-paused',
    );
  });

  it('filters pipelines by name text and state', () => {
    expect(names(filterRows(rows, ' LATE', keepPipeline('all')))).toEqual(['c-late']);
    expect(names(filterRows(rows, '', keepPipeline('failing')))).toEqual(['d-failing']);
    expect(names(filterRows(rows, 'late', keepPipeline('healthy')))).toEqual([]);
  });

  it('sorts agents by version as numbers, and those not online first by status', () => {
    expect(names(sortRows(agents, { key: 'version', direction: 'ascending' }, agentValue))).toEqual([
      'eu-2',
      'us-1',
      'eu-1',
      'us-2',
    ]);
    expect(names(sortRows(agents, { key: 'status', direction: 'ascending' }, agentValue))).toEqual([
      'us-1',
      'us-2',
      'eu-1',
      'eu-2',
    ]);
  });

  it('filters agents to those with an upgrade available, or not online', () => {
    expect(names(filterRows(agents, '', keepAgent('upgrade available')))).toEqual(['eu-2', 'us-1']);
    expect(names(filterRows(agents, 'us', keepAgent('not online')))).toEqual(['us-1', 'us-2']);
  });
});
