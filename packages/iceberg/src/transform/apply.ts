import type { PrimitiveType } from '../spec/types';
import type { IcebergValue } from '../spec/values';
import { bucketOf } from './bucket';
import { temporalOrdinal } from './temporal';
import { canTransform, type Transform, transformToString } from './transform';
import { truncateValue } from './truncate';

/** The partition value of `value` (null stays null; void is always null). */
export function applyTransform(
  transform: Transform,
  source: PrimitiveType,
  value: IcebergValue,
): IcebergValue {
  if (!canTransform(transform, source)) {
    throw new Error(`transform ${transformToString(transform)} cannot be applied to ${source.type}`);
  }
  if (value === null || transform.kind === 'void') return null;
  switch (transform.kind) {
    case 'identity':
      return value;
    case 'bucket':
      return bucketOf(transform.n, source, value);
    case 'truncate':
      return truncateValue(transform.width, source, value);
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
      return temporalOrdinal(transform.kind, source, value as number | bigint);
    case 'unknown':
      throw new Error(`transform ${transform.text} is unknown`);
  }
}
