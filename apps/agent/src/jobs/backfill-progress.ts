import { type BackfillProgress, parseTpKey } from '@floe/ingest';

/** The protocol's limit on a job.progress message. */
const MAX_MESSAGE = 500;

/**
 * A backfill's progress as the pipeline page shows it: records of the range, dead letters, the time
 * to go, then where the branch is in each partition (committed offset of the range's end), as many
 * partitions as fit. Offsets and counts only: no record leaves the account.
 */
export function backfillProgressMessage(p: BackfillProgress): string {
  const eta = p.etaSeconds === null ? '' : `, about ${p.etaSeconds} s to go`;
  const head = `${p.records} of ${p.totalRecords} records, ${p.deadLetters} dead letters${eta}`;
  const topics = new Set([...p.end.keys()].map((key) => parseTpKey(key).topic));
  const partitions = [...p.end].map(([key, end]) => {
    const { topic, partition } = parseTpKey(key);
    const name = topics.size === 1 ? `${partition}` : `${topic}:${partition}`;
    return `${name} at ${p.committed.get(key) ?? '—'} of ${end}`;
  });
  let message = `${head}; offsets ${partitions.shift() ?? 'none'}`;
  for (const [i, part] of partitions.entries()) {
    const more = partitions.length - i - 1;
    // Room is kept for the marker that says how many partitions were left out.
    if (message.length + part.length + 2 + (more > 0 ? 12 : 0) > MAX_MESSAGE) {
      return `${message}, +${partitions.length - i} more`;
    }
    message += `, ${part}`;
  }
  return message;
}
