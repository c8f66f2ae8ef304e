export type TimestampFormat = 'iso8601' | 'epoch-s' | 'epoch-ms' | 'epoch-us';

/** A field discovery found (see @floe/protocol's kafka description): its path, Iceberg type, and the time form its values suggest. */
export interface DiscoveredField {
  path: string[];
  type: string;
  timestamp: TimestampFormat | 'native' | null;
}

// What the wizard proposes from discovery: names from the topic, a field's legal "store as" choices,
// partition transforms a field allows, and the folder layout a partition spec gives. Only names and
// types go in; there are no values to show.

const identifier = (text: string) => {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z_]/.test(cleaned) ? cleaned : `t_${cleaned}`;
};

/** `sales.orders` → namespace sales, table orders; `orders-v2` → namespace kafka, table orders_v2. */
export function tableNamesFromTopic(topic: string): { namespace: string; tableName: string } {
  const parts = topic.split('.').filter(Boolean);
  const last = parts.pop() ?? topic;
  return {
    namespace: parts.length > 0 ? parts.map(identifier).join('.') : 'kafka',
    tableName: identifier(last),
  };
}

export type StoreAs = { value: '' | TimestampFormat; label: string };

/**
 * How a top-level field may be stored: as discovered, or as timestamptz when its values can be read
 * as one (a string as ISO 8601, a number as epoch seconds, milliseconds or microseconds). The form
 * its sampled values had is marked as suggested; nothing is converted until the user chooses it.
 */
export function storeAsChoices(field: DiscoveredField): StoreAs[] {
  const asIs: StoreAs = { value: '', label: field.type };
  if (field.path.length !== 1) return [asIs];
  const choice = (value: TimestampFormat, label: string): StoreAs => ({
    value,
    label: `timestamptz (${label})${field.timestamp === value ? ' · suggested' : ''}`,
  });
  if (field.type === 'string') return [asIs, choice('iso8601', 'ISO 8601 text')];
  if (field.type === 'long' || field.type === 'int' || field.type === 'double')
    return [
      asIs,
      choice('epoch-s', 'epoch seconds'),
      choice('epoch-ms', 'epoch milliseconds'),
      choice('epoch-us', 'epoch microseconds'),
    ];
  return [asIs];
}

/** Transforms a field can be partitioned by: time parts for a time, identity/bucket/truncate otherwise. */
export function partitionTransforms(type: string, isTime: boolean): string[] {
  if (isTime || type.startsWith('timestamp') || type === 'date')
    return ['day', 'hour', 'month', 'year', ...(type === 'date' ? ['identity'] : [])];
  if (type === 'string') return ['identity', 'bucket[16]', 'truncate[4]'];
  if (type === 'long' || type === 'int') return ['identity', 'bucket[16]', 'truncate[1000]'];
  if (type === 'boolean' || type === 'uuid' || type.startsWith('decimal')) return ['identity', 'bucket[16]'];
  return [];
}

const LAYOUT: Record<string, string> = {
  year: 'YYYY',
  month: 'YYYY-MM',
  day: 'YYYY-MM-DD',
  hour: 'YYYY-MM-DD-HH',
  identity: '<value>',
};

/** The data folders a partition spec makes, e.g. `ordered_at_day=YYYY-MM-DD/`: the layout, no value. */
export function partitionLayout(partitionBy: { source: string; transform: string }[]): string {
  if (partitionBy.length === 0) return 'data/ (one folder: unpartitioned)';
  const folders = partitionBy.map(({ source, transform }) => {
    const bucket = transform.match(/^(bucket|truncate)\[(\d+)\]$/);
    // Iceberg's partition field names: the column, then the transform's suffix (truncate's is trunc).
    const name = `${source}_${bucket ? (bucket[1] === 'truncate' ? 'trunc' : 'bucket') : transform}`;
    const shape = bucket
      ? bucket[1] === 'bucket'
        ? `0…${Number(bucket[2]) - 1}`
        : '<truncated value>'
      : (LAYOUT[transform] ?? '<value>');
    return `${transform === 'identity' ? source : name}=${shape}/`;
  });
  return `data/${folders.join('')}`;
}
