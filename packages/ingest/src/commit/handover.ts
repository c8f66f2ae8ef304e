import type { DataFile } from '@floe/iceberg';

/**
 * One topic-partition's records a member wrote into data files: offsets `from` (the table's offset
 * when the member began reading them; null when the table held none of the partition) up to `to`.
 */
export interface HandedRange {
  key: string;
  topic: string;
  partition: number;
  from: bigint | null;
  to: bigint;
  records: number;
  newestRecordMs: bigint | null;
}

/**
 * What a member wrote for one table since its last hand-over: data files in storage (in the table's
 * partition spec `specId`) and the offset range of each partition they hold. The files mix the
 * partitions, so a committer takes a hand-over whole or not at all.
 */
export interface Handover {
  /** The table's name (its namespace is the pipeline's). */
  table: string;
  specId: number;
  files: DataFile[];
  ranges: HandedRange[];
}

/** A member's `data-written` message on the pipeline's control topic: metadata only, never records. */
export interface DataWritten {
  type: 'data-written';
  /** Who wrote it (host/pid/random), for logs and the snapshot summary. */
  member: string;
  handovers: Handover[];
}

// JSON with the types a DataFile holds that JSON lacks, tagged: 64-bit integers, bytes (column bounds,
// partition values) and maps (column metrics keyed by field id).
type Tagged = { $big: string } | { $bytes: string } | { $map: [unknown, unknown][] };

export function encodeDataWritten(message: DataWritten): Buffer {
  return Buffer.from(
    JSON.stringify(message, function (this: Record<string, unknown>, key: string, value: unknown) {
      const raw = this[key];
      if (typeof raw === 'bigint') return { $big: raw.toString() } satisfies Tagged;
      if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw).toString('base64') } satisfies Tagged;
      if (raw instanceof Map) return { $map: [...raw] } satisfies Tagged;
      return value;
    }),
  );
}

export function decodeDataWritten(bytes: Buffer): DataWritten {
  const message = JSON.parse(bytes.toString('utf8'), (_key, value: unknown) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const tagged = value as Record<string, unknown>;
    if (typeof tagged.$big === 'string') return BigInt(tagged.$big);
    if (typeof tagged.$bytes === 'string') return Uint8Array.from(Buffer.from(tagged.$bytes, 'base64'));
    if (Array.isArray(tagged.$map)) return new Map(tagged.$map as [unknown, unknown][]);
    return value;
  }) as DataWritten;
  if (message?.type !== 'data-written' || !Array.isArray(message.handovers)) {
    throw new Error('not a data-written message');
  }
  return message;
}
