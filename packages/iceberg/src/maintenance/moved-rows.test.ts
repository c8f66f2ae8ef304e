import { describe, expect, it } from 'vitest';
import type { DataFile } from '../spec/manifest';
import { UNPARTITIONED } from '../spec/partition-spec';
import { MovedRows } from './moved-rows';

const file = (filePath: string, rows: number): DataFile => ({
  content: 0,
  filePath,
  fileFormat: 'PARQUET',
  partition: [],
  recordCount: BigInt(rows),
  fileSizeInBytes: 100n,
});

/** The followed deletes as `path: positions` pairs. */
const followed = (moved: MovedRows, deleted: Record<string, number[]>) =>
  moved
    .follow(new Map(Object.entries(deleted)))
    .flatMap((g) => g.deletes)
    .map((d) => [d.dataFile.filePath, d.positions.map(Number)]);

describe('MovedRows', () => {
  // a (5 rows, 1 and 3 left out) then b (4 rows, 0 left out): 6 live rows, written as x (4) and y (2).
  const moved = new MovedRows();
  moved.add(
    'db.t',
    UNPARTITIONED,
    [
      { file: file('a', 5), deleted: new Set([3, 1]) },
      { file: file('b', 4), deleted: new Set([0]) },
    ],
    [file('x', 4), file('y', 2)],
  );

  it('finds where each live row went, in the order the rows were read', () => {
    expect(followed(moved, { a: [0, 2, 4] })).toEqual([['x', [0, 1, 2]]]);
    expect(followed(moved, { b: [1, 2, 3] })).toEqual([
      ['x', [3]],
      ['y', [0, 1]],
    ]);
  });

  it('skips rows left out of the rewrite (already deleted) and positions past the file', () => {
    expect(followed(moved, { a: [1, 3, 9], b: [0] })).toEqual([]);
    expect(followed(moved, { a: [1, 4], b: [3, 0] })).toEqual([
      ['x', [2]],
      ['y', [1]],
    ]);
  });

  it('refuses a file it did not rewrite, and a group whose rows written do not add up', () => {
    expect(() => followed(moved, { c: [0] })).toThrow('c was not rewritten');
    expect(() =>
      new MovedRows().add(
        'db.t',
        UNPARTITIONED,
        [{ file: file('a', 5), deleted: new Set() }],
        [file('x', 4)],
      ),
    ).toThrow('db.t: compaction read 5 live rows and wrote 4');
  });
});
