import { type IcebergType, isPrimitive, primitiveToString, type Row, type StructType } from '@floe/iceberg';
import { mergeStructs, parseIso8601, RecordRejectedError, type ValueDecoder } from '@floe/ingest';
import {
  DISCOVERY_LIMITS,
  type DiscoveredField,
  discoveredTypeSchema,
  isReportableFieldName,
} from '@floe/protocol';

/** A sampled record as the summary reads it; it lives only inside this process. */
export interface SampledRecord {
  key: Buffer | null;
  value: Buffer | null;
}

export interface SchemaSummary {
  fields: DiscoveredField[];
  omittedFields: number;
  rejected: number;
  averageValueBytes: number;
  /** The registry schema id of the newest decoded record, if its format names one. */
  schemaId: number | undefined;
}

/** A struct with more fields than this reads as data keyed by name (ids, dates): its fields are not listed. */
const MAX_STRUCT_FIELDS = 200;
/** A field matches the record key when at least this share of keyed records agree. */
const KEY_AGREEMENT = 0.95;
const NAME_SAYS_TIME = /(time|date|_at$|_ts$|^ts$|epoch)/i;
// Epoch readings between 2000-01-01 and 2100-01-01, in each unit.
const EPOCH_RANGES = [
  ['epoch-s', 946_684_800, 4_102_444_800],
  ['epoch-ms', 946_684_800_000, 4_102_444_800_000],
  ['epoch-us', 946_684_800_000_000, 4_102_444_800_000_000],
] as const;

/**
 * The shape of sampled records, never their content: each record is decoded as a pipeline would
 * decode it (the pipeline's own decoder), the record types are merged as a new table's first batch
 * is (mergeStructs), and each field is summarized by ratios and yes/no answers. Values are read
 * here to compute these and go nowhere else.
 */
export async function summarizeRecords(
  records: readonly SampledRecord[],
  decoder: ValueDecoder,
): Promise<SchemaSummary> {
  const rows: Row[] = [];
  const types: StructType[] = [];
  const keys: (string | null)[] = [];
  let rejected = 0;
  let valueBytes = 0;
  let schemaId: number | undefined;
  for (const record of records) {
    if (record.value === null) continue;
    valueBytes += record.value.length;
    try {
      const decoded = await decoder.decode(record.value);
      rows.push(decoded.row);
      types.push(decoded.type);
      keys.push(record.key === null ? null : keyText(record.key));
      schemaId = decoded.schemaId ?? schemaId;
    } catch (error) {
      // A record the format cannot read would be dead-lettered; anything else (an outage) fails the job.
      if (!(error instanceof RecordRejectedError)) throw error;
      rejected++;
    }
  }
  const walker = new FieldWalker(rows, keys);
  if (types.length > 0) walker.walk(mergeStructs(types), [], rows);
  const withValue = records.filter((r) => r.value !== null).length;
  return {
    fields: walker.fields,
    omittedFields: walker.omitted,
    rejected,
    averageValueBytes: withValue === 0 ? 0 : valueBytes / withValue,
    schemaId,
  };
}

function keyText(key: Buffer): string {
  const text = key.toString('utf8');
  // A JSON string key ("\"abc\"") is the same key as abc.
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) {
    try {
      return String(JSON.parse(text));
    } catch {
      return text;
    }
  }
  return text;
}

type Holder = Row | null | undefined;

class FieldWalker {
  readonly fields: DiscoveredField[] = [];
  omitted = 0;

  constructor(
    private readonly rows: readonly Row[],
    private readonly keys: readonly (string | null)[],
  ) {}

  /** Lists the struct's fields under `path`; `holders` are the struct's values, one per sampled row. */
  walk(struct: StructType, path: string[], holders: readonly Holder[]) {
    if (struct.fields.length > MAX_STRUCT_FIELDS) {
      this.omitted += struct.fields.length;
      return;
    }
    for (const field of struct.fields) {
      const fieldPath = [...path, field.name];
      const type = typeName(field.type);
      if (
        !isReportableFieldName(field.name) ||
        fieldPath.length > DISCOVERY_LIMITS.fieldDepth ||
        this.fields.length >= DISCOVERY_LIMITS.fields ||
        type === undefined
      ) {
        this.omitted += 1 + countNested(field.type);
        continue;
      }
      const values = holders.map((h) =>
        h != null && Object.hasOwn(h, field.name) ? h[field.name] : undefined,
      );
      this.fields.push(this.summarize(fieldPath, field.type, type, values));
      if (field.type.type === 'struct') this.walk(field.type, fieldPath, values as Holder[]);
    }
  }

  private summarize(
    path: string[],
    type: IcebergType,
    name: string,
    values: readonly unknown[],
  ): DiscoveredField {
    const total = this.rows.length;
    const present = values.filter((v) => v !== undefined).length;
    const valued = values.filter((v) => v != null);
    const elementType =
      type.type === 'list' ? typeName(type.element) : type.type === 'map' ? typeName(type.value) : undefined;
    return {
      path,
      type: name,
      elementType: elementType ?? null,
      presentRatio: total === 0 ? 0 : present / total,
      nullRatio: total === 0 ? 0 : (present - valued.length) / total,
      timestamp: timestampHint(path.at(-1) ?? '', type, valued),
      unique: isPrimitive(type) && valued.length >= 2 && new Set(valued.map(String)).size === valued.length,
      matchesRecordKey: isPrimitive(type) && this.matchesKey(values),
    };
  }

  private matchesKey(values: readonly unknown[]): boolean {
    let keyed = 0;
    let same = 0;
    values.forEach((value, i) => {
      const key = this.keys[i];
      if (key == null) return;
      keyed++;
      if (value != null && String(value) === key) same++;
    });
    return keyed > 0 && same / keyed >= KEY_AGREEMENT;
  }
}

/** The type's name as discovery reports it, or undefined for one it has no name for. */
function typeName(type: IcebergType): string | undefined {
  const name = isPrimitive(type) ? primitiveToString(type) : type.type;
  return discoveredTypeSchema.safeParse(name).success ? name : undefined;
}

function countNested(type: IcebergType): number {
  return type.type === 'struct' ? type.fields.reduce((n, f) => n + 1 + countNested(f.type), 0) : 0;
}

/** Whether every sampled value reads as a time, and in which form; null when some does not. */
function timestampHint(
  name: string,
  type: IcebergType,
  values: readonly unknown[],
): DiscoveredField['timestamp'] {
  if (type.type.startsWith('timestamp') || type.type === 'date') return 'native';
  if (values.length === 0) return null;
  if (type.type === 'string')
    return values.every((v) => typeof v === 'string' && parseIso8601(v) !== null) ? 'iso8601' : null;
  // A number is a time only when its name says so: plenty of ids fall in an epoch range.
  if (!['int', 'long', 'double'].includes(type.type) || !NAME_SAYS_TIME.test(name)) return null;
  const numbers = values.map(Number);
  const range = EPOCH_RANGES.find(([, low, high]) => numbers.every((n) => n >= low && n < high));
  return range?.[0] ?? null;
}
