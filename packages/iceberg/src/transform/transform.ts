import { type IcebergType, isPrimitive, type PrimitiveType, T } from '../spec/types';

/**
 * A partition transform (spec "Partition Transforms"). `unknown` keeps a transform this library does
 * not know (a newer spec's), so such tables still load; values cannot be computed for it.
 */
export type Transform =
  | { readonly kind: 'identity' }
  | { readonly kind: 'bucket'; readonly n: number }
  | { readonly kind: 'truncate'; readonly width: number }
  | { readonly kind: 'year' }
  | { readonly kind: 'month' }
  | { readonly kind: 'day' }
  | { readonly kind: 'hour' }
  | { readonly kind: 'void' }
  | { readonly kind: 'unknown'; readonly text: string };

export const Transforms = {
  identity: { kind: 'identity' } as Transform,
  year: { kind: 'year' } as Transform,
  month: { kind: 'month' } as Transform,
  day: { kind: 'day' } as Transform,
  hour: { kind: 'hour' } as Transform,
  void: { kind: 'void' } as Transform,
  bucket(n: number): Transform {
    if (!Number.isInteger(n) || n < 1 || n > 0x7fffffff)
      throw new RangeError(`bucket count must be >= 1, got ${n}`);
    return { kind: 'bucket', n };
  },
  truncate(width: number): Transform {
    if (!Number.isInteger(width) || width < 1 || width > 0x7fffffff) {
      throw new RangeError(`truncate width must be >= 1, got ${width}`);
    }
    return { kind: 'truncate', width };
  },
} as const;

const PARAMETERIZED_RE = /^(bucket|truncate)\[(\d+)\]$/;

/** Parses the spec's transform strings: "identity", "bucket[16]", "truncate[10]", "day", ... */
export function parseTransform(text: string): Transform {
  const parameterized = PARAMETERIZED_RE.exec(text);
  if (parameterized) {
    const n = Number(parameterized[2]);
    return parameterized[1] === 'bucket' ? Transforms.bucket(n) : Transforms.truncate(n);
  }
  switch (text) {
    case 'identity':
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
    case 'void':
      return { kind: text };
    default:
      return { kind: 'unknown', text };
  }
}

export function transformToString(transform: Transform): string {
  switch (transform.kind) {
    case 'bucket':
      return `bucket[${transform.n}]`;
    case 'truncate':
      return `truncate[${transform.width}]`;
    case 'unknown':
      return transform.text;
    default:
      return transform.kind;
  }
}

const BUCKETABLE = new Set([
  'int',
  'long',
  'decimal',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'timestamp_ns',
  'timestamptz_ns',
  'string',
  'uuid',
  'fixed',
  'binary',
]);
const TRUNCATABLE = new Set(['int', 'long', 'decimal', 'string', 'binary']);
const TIMESTAMPS = new Set(['timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns']);

/** Whether the transform may be applied to a source column of this type (spec's source types). */
export function canTransform(transform: Transform, source: IcebergType): boolean {
  if (!isPrimitive(source)) return false;
  switch (transform.kind) {
    case 'identity':
    case 'void':
      return true;
    case 'bucket':
      return BUCKETABLE.has(source.type);
    case 'truncate':
      return TRUNCATABLE.has(source.type);
    case 'year':
    case 'month':
    case 'day':
      return source.type === 'date' || TIMESTAMPS.has(source.type);
    case 'hour':
      return TIMESTAMPS.has(source.type);
    case 'unknown':
      return false;
  }
}

/** The type of the partition value a transform produces from a source type. */
export function resultType(transform: Transform, source: PrimitiveType): PrimitiveType {
  switch (transform.kind) {
    case 'bucket':
    case 'year':
    case 'month':
    case 'hour':
      return T.int;
    case 'day':
      return T.date;
    // As the Java reference reports an unknown transform's values.
    case 'unknown':
      return T.string;
    default:
      return source;
  }
}
