import { describe, expect, it } from 'vitest';
import { rowsToArrow } from '../writer/rows-to-arrow';
import { everyTypeRows, everyTypeSchema } from '../writer/test-rows';
import { batchRows } from './arrow-rows';
import { takeRows, withoutPositions } from './arrow-take';

const complete = everyTypeRows.map((r) =>
  Object.fromEntries(everyTypeSchema.fields.map((f) => [f.name, r[f.name] ?? null])),
);
// Enough rows that validity bitmaps and booleans span several bytes.
const many = Array.from({ length: 7 }, () => complete).flat();

describe('picking rows of Arrow data', () => {
  it('gives back every type as it was, rows in the order asked for (nulls, nested structs, lists, maps)', () => {
    const batch = rowsToArrow(everyTypeSchema, many);
    const indices = [0, 3, 4, 9, many.length - 1, 2, 2];
    const picked = takeRows(batch, Int32Array.from(indices));
    expect(batchRows(everyTypeSchema, picked)).toEqual(indices.map((i) => many[i]));
    expect(batchRows(everyTypeSchema, takeRows(batch, new Int32Array(0)))).toEqual([]);
  });

  it('reads a sliced batch from where the slice starts (its bitmaps and boolean bits at an offset)', () => {
    const batch = rowsToArrow(everyTypeSchema, many).slice(5, 17);
    const picked = takeRows(batch, Int32Array.from([0, 1, 7, 11]));
    expect(batchRows(everyTypeSchema, picked)).toEqual([5, 6, 12, 16].map((i) => many[i]));
  });

  it('drops deleted positions counted from the batch’s first row in its file', () => {
    const batch = rowsToArrow(everyTypeSchema, many.slice(0, 10));
    const kept = withoutPositions(batch, 100, new Set([100, 104, 109, 5]));
    expect(batchRows(everyTypeSchema, kept)).toEqual([1, 2, 3, 5, 6, 7, 8].map((i) => many[i]));
    // Nothing deleted in it: the batch itself.
    expect(withoutPositions(batch, 0, new Set([10, 11]))).toBe(batch);
  });
});
