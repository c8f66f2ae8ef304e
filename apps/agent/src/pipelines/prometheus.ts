import { parseTpKey } from '@floe/ingest';
import type { SupervisedPipeline } from './supervisor';

type Sample = [labels: Record<string, string>, value: number | bigint];

const METRICS: [
  name: string,
  type: 'counter' | 'gauge',
  help: string,
  read: (p: SupervisedPipeline, nowMs: number) => Sample[],
][] = [
  [
    'floe_pipeline_up',
    'gauge',
    '1 when the pipeline is running',
    (p) => [[{ state: p.state }, p.state === 'running' ? 1 : 0]],
  ],
  ['floe_records_in_total', 'counter', 'Records consumed', (p) => [[{}, p.metrics?.recordsIn ?? 0]]],
  ['floe_bytes_in_total', 'counter', 'Record bytes consumed', (p) => [[{}, p.metrics?.bytesIn ?? 0]]],
  [
    'floe_records_committed_total',
    'counter',
    'Rows committed to the table',
    (p) => [[{}, p.metrics?.recordsCommitted ?? 0]],
  ],
  ['floe_commits_total', 'counter', 'Iceberg commits', (p) => [[{}, p.metrics?.commits ?? 0]]],
  ['floe_data_files_total', 'counter', 'Data files committed', (p) => [[{}, p.metrics?.dataFiles ?? 0]]],
  [
    'floe_commit_errors_total',
    'counter',
    'Failed commit attempts',
    (p) => [[{}, p.metrics?.commitErrors ?? 0]],
  ],
  [
    'floe_fenced_commits_total',
    'counter',
    'Commits refused because another writer moved a partition',
    (p) => [[{}, p.metrics?.fencedCommits ?? 0]],
  ],
  [
    'floe_dead_letters_total',
    'counter',
    'Records dead-lettered or skipped, by reason',
    (p) => [...(p.metrics?.deadLetters ?? [])].map(([reason, n]) => [{ reason }, n]),
  ],
  [
    'floe_committed_offset',
    'gauge',
    'Next offset the table holds, per partition',
    (p) => [...(p.metrics?.committedOffsets ?? [])].map(([key, offset]) => [partitionLabels(key), offset]),
  ],
  [
    'floe_log_end_offset',
    'gauge',
    'Log-end offset last seen, per partition',
    (p) => [...(p.metrics?.logEndOffsets ?? [])].map(([key, offset]) => [partitionLabels(key), offset]),
  ],
  ['floe_lag_records', 'gauge', 'Records behind the log end', (p) => [[{}, p.metrics?.lagRecords() ?? 0]]],
  [
    'floe_pipeline_lag_records',
    'gauge',
    "Records in the partition not yet committed to the table: log-end offset last fetched minus the table's next offset (the autoscaling signal)",
    (p, nowMs) => (p.metrics?.partitionLags(nowMs) ?? []).map((lag) => [lagLabels(lag), lag.records]),
  ],
  [
    'floe_pipeline_lag_seconds',
    'gauge',
    "How long the partition's waiting records have waited, at most: 0 when none waits, else now minus the timestamp of the newest committed record; absent until a first record is committed",
    (p, nowMs) =>
      (p.metrics?.partitionLags(nowMs) ?? []).flatMap((lag): Sample[] =>
        lag.seconds === null ? [] : [[lagLabels(lag), lag.seconds]],
      ),
  ],
  [
    'floe_newest_committed_record_timestamp_seconds',
    'gauge',
    'Timestamp of the newest committed record',
    (p) => {
      const ms = p.metrics?.newestCommittedRecordMs();
      return ms === null || ms === undefined ? [] : [[{}, Number(ms) / 1000]];
    },
  ],
];

function partitionLabels(key: string): Record<string, string> {
  return lagLabels(parseTpKey(key));
}

/** Metadata only: a record's content never becomes a label. */
function lagLabels({ topic, partition }: { topic: string; partition: number }): Record<string, string> {
  return { topic, partition: String(partition) };
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The Prometheus text exposition format (0.0.4) of every supervised pipeline's metrics. */
export function prometheusText(pipelines: readonly SupervisedPipeline[], nowMs = Date.now()): string {
  const lines: string[] = [];
  for (const [name, type, help, read] of METRICS) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const p of pipelines) {
      for (const [labels, value] of read(p, nowMs)) {
        const all = { pipeline: p.spec.id, ...labels };
        const text = Object.entries(all)
          .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
          .join(',');
        lines.push(`${name}{${text}} ${value.toString()}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
