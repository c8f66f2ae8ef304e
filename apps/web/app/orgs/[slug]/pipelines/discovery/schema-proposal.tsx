'use client';

import { parsePartitionBy, parseTimestampFields, topicNames } from '@floe/api/pipeline-form';
import { partitionLayout, partitionTransforms, storeAsChoices, type TimestampFormat } from '@floe/pure';
import { useEffect, useState } from 'react';
import {
  DiscoveryStatus,
  type KafkaDescription,
  NoAgentNotice,
  useKafkaDescription,
  useOnlineAgent,
} from './use-kafka-description';

type DiscoveredField = NonNullable<KafkaDescription['sample']>['fields'][number];

type Values = Record<string, string | undefined>;

const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;

function hints(f: DiscoveredField): string[] {
  return [
    ...(f.timestamp === null ? [] : [f.timestamp === 'native' ? 'a time' : `a time (${f.timestamp})`]),
    ...(f.matchesRecordKey ? ['the record key'] : []),
    ...(f.unique ? ['unique'] : []),
  ];
}

/** What parses of a text field, or the fallback while the user is typing something else. */
function tryParse<T>(parse: () => T, fallback: T): T {
  try {
    return parse();
  } catch {
    return fallback;
  }
}

/**
 * The table the pipeline will create, proposed from records an agent samples inside the account (it
 * sends back their shape only): each field's type, how often it is there, what it looks like, and
 * where a legal choice exists (a time as text or a number) whether to store it as timestamptz. Partition
 * fields are picked from these fields with the transforms each allows, with the folder layout shown.
 */
export function SchemaProposal({
  orgSlug,
  values,
  setField,
  onFields,
}: {
  orgSlug: string;
  values: Values;
  setField: (name: 'timestampFields' | 'partitionBy', value: string) => void;
  /** The fields proposed, each time a proposal comes back (for the table preview). */
  onFields: (fields: DiscoveredField[]) => void;
}) {
  const online = useOnlineAgent(orgSlug, values.agentId || undefined);
  const [discovery, start] = useKafkaDescription(orgSlug);
  const [source, setSource] = useState('');
  const [transform, setTransform] = useState('');
  const topic = topicNames(values.topics ?? '')[0];
  const timestamps = tryParse(() => parseTimestampFields(values.timestampFields ?? ''), []);
  const partitions = tryParse(() => parsePartitionBy(values.partitionBy ?? ''), null);
  const proposed = discovery.state === 'succeeded' ? discovery.description.sample?.fields : undefined;
  useEffect(() => onFields(proposed ?? []), [proposed, onFields]);
  if (online === null)
    return (
      <NoAgentNotice fallback="Type partition fields and timestamp fields below; the table takes its schema from the first records." />
    );

  const storedAs = (name: string) => timestamps.find((t) => t.field === name)?.format ?? '';
  const setStoredAs = (name: string, format: '' | TimestampFormat) => {
    const others = timestamps.filter((t) => t.field !== name);
    const next = format === '' ? others : [...others, { field: name, format }];
    setField('timestampFields', next.map((t) => `${t.field}:${t.format}`).join(', '));
  };
  const fields = proposed ?? [];
  const partitionable = fields
    .filter((f) => f.path.length === 1)
    .map((f) => ({
      name: f.path[0] as string,
      transforms: partitionTransforms(
        f.type,
        storedAs(f.path[0] as string) !== '' || f.timestamp === 'native',
      ),
    }))
    .filter((f) => f.transforms.length > 0);
  const chosenSource = partitionable.find((f) => f.name === source) ?? partitionable[0];
  const chosenTransform = chosenSource?.transforms.includes(transform)
    ? transform
    : chosenSource?.transforms[0];
  const sample = discovery.state === 'succeeded' ? discovery.description.sample : null;

  return (
    <section
      aria-label="Proposed schema"
      className="flex flex-col gap-3 rounded-xl border border-slate-800 p-3"
    >
      <div className="flex items-center gap-3">
        <button
          type="button"
          disabled={!topic || !values.kafkaConnectionId || discovery.state === 'waiting'}
          onClick={() =>
            start({
              kafkaConnectionId: values.kafkaConnectionId ?? '',
              ...(values.agentId ? { agentId: values.agentId } : {}),
              sample: {
                topic: topic ?? '',
                valueFormat: (values.valueFormat ?? 'json') as 'json',
                keyFormat: (values.keyFormat ?? 'string') as 'string',
                ...(values.registryConnectionId ? { registryConnectionId: values.registryConnectionId } : {}),
              },
            })
          }
          className="rounded-lg border border-sky-500/60 px-3 py-1.5 text-sm text-sky-200 hover:bg-sky-500/10 disabled:opacity-50"
        >
          Propose a schema from {topic ?? 'the topic'}
        </button>
        <span className="text-sm text-slate-500">the agent samples records; only their shape comes back</span>
      </div>
      <DiscoveryStatus discovery={discovery} what="sampling records" />
      {sample ? (
        <>
          <p className="text-sm text-slate-400" data-testid="sample-summary">
            {sample.sampled} records sampled from {sample.topic}
            {sample.sampled > 0
              ? ` · values average ${Math.round(sample.averageValueBytes).toLocaleString('en')} bytes`
              : ''}
            {sample.rejected > 0 ? ` · ${sample.rejected} would go to the dead letters` : ''}
            {sample.registry ? ` · schema ${sample.registry.subject} v${sample.registry.version}` : ''}
            {sample.omittedFields > 0 ? ` · ${sample.omittedFields} fields not listed (named like data)` : ''}
          </p>
          <table className="text-left text-sm" aria-label="Proposed columns">
            <thead className="text-slate-400">
              <tr>
                <th className="py-1 pr-3 font-medium">Field</th>
                <th className="py-1 pr-3 font-medium">Store as</th>
                <th className="py-1 pr-3 font-medium">Present</th>
                <th className="py-1 pr-3 font-medium">Null</th>
                <th className="py-1 font-medium">Looks like</th>
              </tr>
            </thead>
            <tbody>
              {fields.map((f) => {
                const name = f.path.join('.');
                const choices = storeAsChoices(f);
                return (
                  <tr key={name} className="border-t border-slate-800">
                    <td
                      className="py-1 pr-3 font-mono"
                      style={{ paddingLeft: `${(f.path.length - 1) * 1}rem` }}
                    >
                      {f.path.at(-1)}
                    </td>
                    <td className="py-1 pr-3">
                      {choices.length > 1 ? (
                        <select
                          aria-label={`Store ${name} as`}
                          value={storedAs(name)}
                          onChange={(e) => setStoredAs(name, e.target.value as '' | TimestampFormat)}
                          className="rounded border border-slate-700 bg-slate-900 px-2 py-0.5"
                        >
                          {choices.map((c) => (
                            <option key={c.value} value={c.value}>
                              {c.label}
                            </option>
                          ))}
                        </select>
                      ) : (
                        <span className="font-mono">
                          {f.elementType ? `${f.type}<${f.elementType}>` : f.type}
                        </span>
                      )}
                    </td>
                    <td className="py-1 pr-3">{percent(f.presentRatio)}</td>
                    <td className="py-1 pr-3">{percent(f.nullRatio)}</td>
                    <td className="py-1 text-slate-400">{hints(f).join(', ')}</td>
                  </tr>
                );
              })}
              <tr className="border-t border-slate-800 text-slate-400">
                <td className="py-1 pr-3 font-mono">_kafka</td>
                <td className="py-1" colSpan={4}>
                  struct added by Floe: topic, partition, offset, timestamp, key, headers
                </td>
              </tr>
            </tbody>
          </table>
          {chosenSource && chosenTransform ? (
            <div className="flex flex-wrap items-end gap-2">
              <label className="flex flex-col gap-1 text-sm">
                Partition field
                <select
                  value={chosenSource.name}
                  onChange={(e) => setSource(e.target.value)}
                  className="rounded border border-slate-700 bg-slate-900 px-2 py-1"
                >
                  {partitionable.map((f) => (
                    <option key={f.name}>{f.name}</option>
                  ))}
                </select>
              </label>
              <label className="flex flex-col gap-1 text-sm">
                Transform
                <select
                  value={chosenTransform}
                  onChange={(e) => setTransform(e.target.value)}
                  className="rounded border border-slate-700 bg-slate-900 px-2 py-1"
                >
                  {chosenSource.transforms.map((t) => (
                    <option key={t}>{t}</option>
                  ))}
                </select>
              </label>
              <button
                type="button"
                onClick={() =>
                  setField(
                    'partitionBy',
                    [...(partitions ?? []), { source: chosenSource.name, transform: chosenTransform }]
                      .map((p) => `${p.transform}(${p.source})`)
                      .join(', '),
                  )
                }
                className="rounded-lg border border-slate-600 px-3 py-1 text-sm"
              >
                Add partition field
              </button>
            </div>
          ) : null}
        </>
      ) : null}
      {partitions ? (
        <p className="text-sm text-slate-400">
          Partition layout:{' '}
          <code data-testid="partition-layout" className="text-slate-200">
            {partitionLayout(partitions)}
          </code>
        </p>
      ) : null}
    </section>
  );
}
