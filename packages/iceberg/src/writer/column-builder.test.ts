import { makeVector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { newSchema } from '../spec/schema';
import { optional, required, T } from '../spec/types';
import { buildersToArrow, ColumnBuilder } from './column-builder';
import { columnMetrics } from './metrics';
import { columnsToArrow, ValueError } from './rows-to-arrow';

const schema = newSchema([
  optional('s', T.string),
  optional('l', T.long),
  optional('d', T.double),
  optional('ts', T.timestamptz),
  optional('flag', T.boolean),
  optional('st', T.struct([required('a', T.int)])),
  required('r', T.string),
]);

const columns: unknown[][] = [
  ['a', null, 'héllo wörld 日本語 😀', '', undefined, 'z'],
  [1n, -(1n << 63n), null, (1n << 63n) - 1n, 0n, undefined],
  [1.5, Number.NaN, -0, null, 0, Number.NEGATIVE_INFINITY],
  [null, 1_764_063_000_000_000n, -1n, 0n, null, 5n],
  [true, null, false, true, true, false],
  [{ a: 1 }, null, { a: -2 }, { a: 3 }, null, { a: 0 }],
  ['x', 'y', '', 'w', 'v', 'u'],
];

function built(): ColumnBuilder[] {
  const builders = schema.fields.map((f) => new ColumnBuilder(f));
  for (let row = 0; row < 6; row += 1) {
    builders.forEach((b, c) => {
      b.append(columns[c]?.[row]);
    });
  }
  return builders;
}

describe('ColumnBuilder', () => {
  it('builds the Arrow data columnsToArrow builds of the same values', () => {
    const expected = columnsToArrow(schema, columns, 6);
    const actual = buildersToArrow(schema, built(), 6);
    schema.fields.forEach((f, c) => {
      const want = expected.data.children[c];
      const got = actual.data.children[c];
      if (want === undefined || got === undefined) throw new Error(`no column ${f.name}`);
      expect([f.name, got.nullCount]).toEqual([f.name, want.nullCount]);
      expect([f.name, [...makeVector(got)]]).toEqual([f.name, [...makeVector(want)]]);
    });
    expect(columnMetrics(schema, [actual])).toEqual(columnMetrics(schema, [expected]));
  });

  it('refuses a value that does not fit, leaving the column as it was; truncate takes rows back', () => {
    const [s, l, , , , , r] = built();
    expect(() => l?.append(1)).toThrow(ValueError);
    expect(() => s?.append(7n)).toThrow(ValueError);
    expect(() => r?.append(null)).toThrow(/r is required, row 6 has null/);
    expect(l?.length).toBe(6);
    s?.append('extra');
    s?.truncate(2);
    s?.append('again');
    expect([...makeVector(s?.build() as never)]).toEqual(['a', null, 'again']);
  });
});
