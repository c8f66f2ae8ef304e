'use client';

import { topicNames } from '@floe/api/pipeline-form';
import { useState } from 'react';
import {
  DiscoveryStatus,
  type KafkaDescription,
  NoAgentNotice,
  useKafkaDescription,
  useOnlineAgent,
} from './use-kafka-description';

type Topic = KafkaDescription['topics'][number];

const DAY_MS = 86_400_000;

function retention(ms: string | null): string {
  if (ms === null) return 'retention unknown';
  if (Number(ms) < 0) return 'kept for ever';
  const days = Number(ms) / DAY_MS;
  return days >= 1 ? `kept ${Math.round(days)} d` : `kept ${Math.round(Number(ms) / 3_600_000)} h`;
}

function details(t: Topic): string {
  const rate =
    t.recordsPerSecond === null ? 'rate unknown' : `${t.recordsPerSecond.toFixed(2)} records/s (last hour)`;
  return [
    `${t.partitions} partition${t.partitions === 1 ? '' : 's'}`,
    retention(t.retentionMs),
    t.cleanupPolicy ?? 'cleanup unknown',
    `~${t.approximateRecords.toLocaleString('en')} records`,
    rate,
  ].join(' · ');
}

/**
 * The topics of the chosen Kafka connection, listed by an agent, to pick from with a search; the
 * topics field stays for typing names (and is all there is when no agent is online).
 */
export function TopicPicker({
  orgSlug,
  agentId,
  kafkaConnectionId,
  topics,
  onTopics,
}: {
  orgSlug: string;
  agentId: string | undefined;
  kafkaConnectionId: string | undefined;
  topics: string;
  onTopics: (topics: string) => void;
}) {
  const online = useOnlineAgent(orgSlug, agentId);
  const [discovery, start] = useKafkaDescription(orgSlug);
  const [search, setSearch] = useState('');
  if (online === null)
    return (
      <NoAgentNotice fallback="Type the topic names: the agent checks them when it starts the pipeline." />
    );
  const chosen = topicNames(topics);
  const toggle = (name: string) =>
    onTopics((chosen.includes(name) ? chosen.filter((t) => t !== name) : [...chosen, name]).join(', '));
  const shown =
    discovery.state === 'succeeded'
      ? discovery.description.topics.filter((t) => t.name.toLowerCase().includes(search.trim().toLowerCase()))
      : [];
  return (
    <div className="flex flex-col gap-2 rounded-xl border border-slate-800 p-3">
      <div className="flex items-center gap-3">
        <button
          type="button"
          disabled={!kafkaConnectionId || discovery.state === 'waiting'}
          onClick={() =>
            start({ kafkaConnectionId: kafkaConnectionId ?? '', ...(agentId ? { agentId } : {}) })
          }
          className="rounded-lg border border-sky-500/60 px-3 py-1.5 text-sm text-sky-200 hover:bg-sky-500/10 disabled:opacity-50"
        >
          {discovery.state === 'succeeded' ? 'List topics again' : 'List topics'}
        </button>
        <span className="text-sm text-slate-500">
          {online ? `through ${online.name}, inside your network` : 'looking for an online agent…'}
        </span>
      </div>
      <DiscoveryStatus discovery={discovery} what="listing the topics" />
      {discovery.state === 'succeeded' ? (
        <>
          <input
            type="search"
            aria-label="Search topics"
            placeholder={`Search ${discovery.description.topics.length} topics`}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            className="rounded-lg border border-slate-700 bg-slate-900 px-3 py-1.5 text-sm"
          />
          <ul aria-label="Discovered topics" className="max-h-64 overflow-y-auto text-sm">
            {shown.map((t) => (
              <li key={t.name} className="border-t border-slate-800 py-1.5">
                <label className="flex cursor-pointer items-start gap-2">
                  <input type="checkbox" checked={chosen.includes(t.name)} onChange={() => toggle(t.name)} />
                  <span>
                    <span className="font-mono text-slate-100">{t.name}</span>
                    <span className="block text-xs text-slate-500">{details(t)}</span>
                  </span>
                </label>
              </li>
            ))}
            {shown.length === 0 ? <li className="py-1.5 text-slate-500">No topic matches.</li> : null}
          </ul>
          {discovery.description.truncated ? (
            <p className="text-xs text-slate-500">
              Only the first topics by name are listed: search, or type the name.
            </p>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
