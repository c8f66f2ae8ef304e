import type { PrimitiveType } from '../spec/types';
import type { IcebergValue } from '../spec/values';

/**
 * truncate[W] (spec "Truncate Transform Details"): integers and decimal unscaled values round down
 * to a multiple of W (v - (((v % W) + W) % W), so negatives go toward negative infinity), strings
 * keep their first W code points, binary its first W bytes.
 */
export function truncateValue(
  width: number,
  type: PrimitiveType,
  value: Exclude<IcebergValue, null>,
): IcebergValue {
  switch (type.type) {
    case 'int': {
      const v = value as number;
      return v - (((v % width) + width) % width);
    }
    case 'long':
    case 'decimal': {
      const v = value as bigint;
      const w = BigInt(width);
      return v - (((v % w) + w) % w);
    }
    case 'string': {
      const s = value as string;
      let end = 0;
      for (let points = 0; points < width && end < s.length; points += 1) {
        end += (s.codePointAt(end) as number) > 0xffff ? 2 : 1;
      }
      return s.slice(0, end);
    }
    case 'binary': {
      const b = value as Uint8Array;
      return b.length <= width ? b : b.subarray(0, width);
    }
    default:
      throw new Error(`truncate is not defined for ${type.type}`);
  }
}
