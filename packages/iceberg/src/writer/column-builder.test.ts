import { makeVector, type RecordBatch, Table, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { newSchema } from '../spec/schema';
import { optional, required, T } from '../spec/types';
import { buildersToArrow, ColumnBuilder, Utf8Bytes } from './column-builder';
import { columnMetrics } from './metrics';
import { columnsToArrow, ValueError } from './rows-to-arrow';

const schema = newSchema([
  optional('s', T.string),
  optional('l', T.long),
  optional('d', T.double),
  optional('ts', T.timestamptz),
  optional('flag', T.boolean),
  optional('st', T.struct([required('a', T.int), optional('in', T.struct([required('x', T.long)]))])),
  required('r', T.string),
  optional('tags', T.list(T.struct([required('k', T.string), optional('v', T.binary)]), false)),
  optional('nums', T.list(T.double, true)),
]);

const columns: unknown[][] = [
  ['a', null, 'héllo wörld 日本語 😀', '', undefined, 'z'],
  [1n, -(1n << 63n), null, (1n << 63n) - 1n, 0n, undefined],
  [1.5, Number.NaN, -0, null, 0, Number.NEGATIVE_INFINITY],
  [null, 1_764_063_000_000_000n, -1n, 0n, null, 5n],
  [true, null, false, true, true, false],
  [{ a: 1, in: { x: 2n } }, null, { a: -2, in: null }, { a: 3 }, null, { a: 0, in: { x: -1n } }],
  ['x', 'y', '', 'w', 'v', 'u'],
  [[], null, [{ k: 'a', v: new Uint8Array([1]) }, null, { k: 'b', v: null }], [{ k: '' }], undefined, []],
  [[1, -0], [], null, [Number.NaN], [2.5, 3, 4], null],
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
    // Byte for byte, buffers, offsets and validity included.
    const ipc = (batch: RecordBatch) => Buffer.from(tableToIPC(new Table([batch]), 'stream')).toString('hex');
    expect(ipc(actual)).toBe(ipc(expected));
    expect(columnMetrics(schema, [actual])).toEqual(columnMetrics(schema, [expected]));
  });

  it('encodes strings in pieces of many rows as one by one, lone surrogates and all', () => {
    const one = newSchema([optional('s', T.string)]);
    const texts = Array.from({ length: 1000 }, (_, i) =>
      i % 7 === 0 ? null : i === 600 ? 'caf\u00e9' : i === 800 ? '\ud800' : i === 801 ? '\udc00' : `row-${i}`,
    );
    const builder = new ColumnBuilder(one.fields[0] as never);
    for (const text of texts) builder.append(text);
    const ipc = (batch: RecordBatch) => Buffer.from(tableToIPC(new Table([batch]), 'stream')).toString('hex');
    expect(ipc(buildersToArrow(one, [builder], 1000))).toBe(ipc(columnsToArrow(one, [texts], 1000)));
    const cut = new ColumnBuilder(one.fields[0] as never);
    for (const text of texts) cut.append(text);
    cut.truncate(300);
    cut.append('last');
    expect(ipc(buildersToArrow(one, [cut], 301))).toBe(
      ipc(columnsToArrow(one, [[...texts.slice(0, 300), 'last']], 301)),
    );
  });

  it('copies strings given as UTF-8 bytes as the strings themselves, among strings and nulls', () => {
    const one = newSchema([optional('s', T.string)]);
    const texts = Array.from({ length: 700 }, (_, i) =>
      i % 5 === 0 ? null : i % 11 === 0 ? `日本語 😀 ${'long '.repeat(i % 30)}${i}` : `row-${i}`,
    );
    // Every third string as its bytes inside a larger buffer (one reused Utf8Bytes), the rest as text.
    const bytes = new Utf8Bytes();
    const builder = new ColumnBuilder(one.fields[0] as never);
    const asValues = new ColumnBuilder(one.fields[0] as never, true);
    texts.forEach((text, i) => {
      let value: string | null | Utf8Bytes = text;
      if (text !== null && i % 3 === 0) {
        bytes.bytes = Buffer.from(`{"s":"${text}"}`);
        bytes.start = 6;
        bytes.end = bytes.bytes.length - 2;
        value = bytes;
      }
      builder.append(value);
      asValues.append(value);
    });
    const ipc = (batch: RecordBatch) => Buffer.from(tableToIPC(new Table([batch]), 'stream')).toString('hex');
    const expected = ipc(columnsToArrow(one, [texts], texts.length));
    expect(ipc(buildersToArrow(one, [builder], texts.length))).toBe(expected);
    expect(asValues.heldValues()).toEqual(texts);
    expect(ipc(buildersToArrow(one, [asValues], texts.length))).toBe(expected);
  });

  it('builds lists no element was ever appended to', () => {
    const one = newSchema([optional('tags', T.list(T.string, false))]);
    const lists = [[], null, []];
    const builder = new ColumnBuilder(one.fields[0] as never);
    for (const list of lists) builder.append(list);
    const ipc = (batch: RecordBatch) => Buffer.from(tableToIPC(new Table([batch]), 'stream')).toString('hex');
    expect(ipc(buildersToArrow(one, [builder], 3))).toBe(ipc(columnsToArrow(one, [lists], 3)));
  });

  it('refuses a value that does not fit, leaving the column as it was; truncate takes rows back', () => {
    const [s, l, , , , st, r, tags, nums] = built();
    expect(() => l?.append(1)).toThrow(ValueError);
    expect(() => s?.append(7n)).toThrow(ValueError);
    expect(() => r?.append(null)).toThrow(/r is required, row 6 has null/);
    expect(() => st?.append({ a: 1, in: { x: null } })).toThrow(/st\.in\.x is required, row 6 has null/);
    expect(() => tags?.append([{ k: 'c' }, { k: null }])).toThrow(/tags\.element\.k is required/);
    expect(() => nums?.append([1, null])).toThrow(/nums\.element is required, row 6 has null/);
    expect([l?.length, st?.length, tags?.length, nums?.length]).toEqual([6, 6, 6, 6]);
    tags?.append([{ k: 'd' }]);
    const last = makeVector(tags?.build() as never).get(6) as { toJSON(): unknown } | null;
    expect(JSON.stringify(last?.toJSON())).toBe('[{"k":"d","v":null}]');
    s?.append('extra');
    s?.truncate(2);
    s?.append('again');
    expect([...makeVector(s?.build() as never)]).toEqual(['a', null, 'again']);
  });
});
