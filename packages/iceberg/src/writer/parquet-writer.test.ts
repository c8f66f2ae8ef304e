import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { newSchema, requireField } from '../spec/schema';
import { decimalFromBytes, fromBinary } from '../spec/single-value';
import { optional, T } from '../spec/types';
import { encodeParquet, writeParquetFile } from './parquet-writer';
import { rowsToArrow, ValueError } from './rows-to-arrow';
import { everyTypeRows, everyTypeSchema } from './test-rows';

const schema = everyTypeSchema;
const id = (path: string) => requireField(schema, path).id;
const toArrayBuffer = (b: Uint8Array) =>
  b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

describe('writeParquetFile', () => {
  it('puts the Iceberg field id on every Parquet column, nested ones included, in row groups of the asked size', async () => {
    const batch = rowsToArrow(schema, everyTypeRows);
    const { bytes, metrics } = await writeParquetFile(schema, [batch], { rowGroupRows: 3 });
    // Read by hyparquet, an implementation independent of the writer.
    const footer = parquetMetadata(toArrayBuffer(bytes));
    expect(footer.row_groups.map((g) => Number(g.num_rows))).toEqual([3, 1]);
    const ids = new Map(
      footer.schema.filter((e) => e.field_id !== undefined).map((e) => [e.name, e.field_id]),
    );
    expect(ids.get('id')).toBe(id('id'));
    expect(ids.get('x')).toBe(id('st.inner.x'));
    expect(ids.get('element')).toBeDefined();
    expect(ids.get('key_value')).toBeUndefined(); // the repeated group itself has no id, as in Java's files
    expect(ids.get('key')).toBe(id('attrs.key'));
    expect(footer.row_groups[0]?.columns[0]?.meta_data?.codec).toBe('ZSTD');
    expect(metrics.recordCount).toBe(4n);
  });

  it('counts values and nulls per leaf exactly as the Parquet footer does, NaN apart', async () => {
    const { bytes, metrics } = await writeParquetFile(schema, [rowsToArrow(schema, everyTypeRows)]);
    const footer = parquetMetadata(toArrayBuffer(bytes));
    let leaves = 0;
    for (const column of footer.row_groups[0]?.columns ?? []) {
      const meta = column.meta_data;
      if (meta === undefined) throw new Error('column chunk without metadata');
      const path = meta.path_in_schema.join('.').replace('.list.', '.').replace('.key_value.', '.');
      const fieldId = id(path);
      expect([path, metrics.valueCounts.get(fieldId)]).toEqual([path, meta.num_values]);
      expect([path, metrics.nullValueCounts.get(fieldId)]).toEqual([path, meta.statistics?.null_count]);
      expect([path, metrics.columnSizes.get(fieldId)]).toEqual([path, meta.total_compressed_size]);
      leaves += 1;
    }
    expect(leaves).toBe(metrics.valueCounts.size);
    expect(leaves).toBe(24);
    // Inside a list: 3 + 1 (empty) + 1 (null) + 1 entries; the null element, the empty and the null list are nulls.
    expect(metrics.valueCounts.get(id('tags.element'))).toBe(6n);
    expect(metrics.nullValueCounts.get(id('tags.element'))).toBe(3n);
    expect(metrics.nanValueCounts.get(id('f'))).toBe(1n);
    expect(metrics.nanValueCounts.get(id('d'))).toBe(1n);
    expect(metrics.nanValueCounts.has(id('i'))).toBe(false);
  });

  it('keeps bounds of every top-level and struct column in single-value form, none inside lists and maps', async () => {
    const { metrics } = await writeParquetFile(schema, [rowsToArrow(schema, everyTypeRows)]);
    const bound = (path: string, which: 'lower' | 'upper') => {
      const b = (which === 'lower' ? metrics.lowerBounds : metrics.upperBounds).get(id(path));
      const field = requireField(schema, path);
      return b === undefined ? undefined : fromBinary(field.type as never, b);
    };
    expect([bound('id', 'lower'), bound('id', 'upper')]).toEqual([1n, 4n]);
    expect([bound('i', 'lower'), bound('i', 'upper')]).toEqual([-2147483648, 2147483647]);
    expect([bound('l', 'lower'), bound('l', 'upper')]).toEqual([-(1n << 63n), (1n << 63n) - 1n]);
    expect([bound('f', 'lower'), bound('f', 'upper')]).toEqual([Number.NEGATIVE_INFINITY, 1.5]);
    expect([bound('d', 'lower'), bound('d', 'upper')]).toEqual([-0, Number.MAX_VALUE]);
    expect([bound('dec', 'lower'), bound('dec', 'upper')]).toEqual([-(10n ** 38n - 1n), 10n ** 38n - 1n]);
    expect([bound('day', 'lower'), bound('tstz', 'lower')]).toEqual([-719162, -62_135_596_800_000_000n]);
    expect([bound('ts', 'lower'), bound('ts', 'upper')]).toEqual([-1n, 1n]);
    expect([bound('flag', 'lower'), bound('flag', 'upper')]).toEqual([false, true]);
    expect([bound('st.a', 'lower'), bound('st.a', 'upper')]).toEqual([-1, 5]);
    expect([bound('st.b', 'lower'), bound('st.b', 'upper')]).toEqual(['x', 'y']);
    // "h" sorts after "Z"; the 16-code-point cut ends at "語", which the upper bound increments.
    expect([bound('s', 'lower'), bound('s', 'upper')]).toEqual(['', 'héllo wörld, 日本誟']);
    const dec9 = metrics.lowerBounds.get(id('dec9'));
    expect(dec9 && decimalFromBytes(dec9)).toBe(-1n);
    expect(Buffer.from(metrics.upperBounds.get(id('fx')) ?? []).toString('hex')).toBe('ffffffff');
    expect(Buffer.from(metrics.upperBounds.get(id('bin')) ?? []).toString('hex')).toBe('ff0080');
    for (const nested of ['tags.element', 'attrs.key', 'attrs.value', 'pairs.element.k']) {
      expect([nested, metrics.lowerBounds.has(id(nested)), metrics.upperBounds.has(id(nested))]).toEqual([
        nested,
        false,
        false,
      ]);
    }
    expect([bound('st.inner.x', 'lower'), bound('st.inner.x', 'upper')]).toEqual([0.25, 0.25]);
  });

  it('truncates long string bounds to 16 code points and increments the upper one', async () => {
    const only = [{ id: 1n, s: 'héllo wörld, 日本語 and 😀 beyond sixteen' }];
    const { metrics } = await writeParquetFile(schema, [rowsToArrow(schema, only)]);
    const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
    expect(decode(metrics.lowerBounds.get(id('s')))).toBe('héllo wörld, 日本語');
    expect(decode(metrics.upperBounds.get(id('s')))).toBe('héllo wörld, 日本誟');
    // A column with only nulls has counts but no bounds.
    expect(metrics.nullValueCounts.get(id('i'))).toBe(1n);
    expect(metrics.lowerBounds.has(id('i')) || metrics.upperBounds.has(id('i'))).toBe(false);
  });

  it('writes values a plain Parquet reader gets back exactly', async () => {
    const { bytes } = await writeParquetFile(schema, [rowsToArrow(schema, everyTypeRows)], {
      compression: 'uncompressed', // hyparquet reads no zstd without an extra package
    });
    const rows = await parquetReadObjects({
      file: toArrayBuffer(bytes),
      columns: ['id', 'l', 'tstz', 's', 'tags', 'pairs'],
    });
    expect(rows.map((r) => r.id)).toEqual([1n, 2n, 3n, 4n]);
    expect(rows.map((r) => r.l)).toEqual([(1n << 63n) - 1n, null, -(1n << 63n), null]);
    expect(rows[2]?.s).toBe('');
    expect(rows[0]?.s).toBe(everyTypeRows[0]?.s);
    // hyparquet reads a null list as undefined.
    expect(rows.map((r) => r.tags ?? null)).toEqual([['a', null, 'ü'], [], null, ['z']]);
    expect(rows.map((r) => r.pairs ?? null)).toEqual([
      [{ k: 'p', v: 1 }],
      [],
      [
        { k: 'q', v: null },
        { k: 'r', v: -7 },
      ],
      null,
    ]);
  });
});

describe('writeParquetFile for v3 nanosecond timestamps', () => {
  it('writes INT64 TIMESTAMP(NANOS) with nanosecond bounds', async () => {
    const ns = newSchema([optional('at', T.timestampNs), optional('at_tz', T.timestamptzNs)]);
    const rows = [
      { at: -1n, at_tz: 1_700_000_000_123_456_789n },
      { at: 1n, at_tz: null },
    ];
    const { bytes, metrics } = await writeParquetFile(ns, [rowsToArrow(ns, rows)]);
    const footer = parquetMetadata(toArrayBuffer(bytes));
    const at = footer.schema.find((e) => e.name === 'at');
    const atTz = footer.schema.find((e) => e.name === 'at_tz');
    expect(at?.logical_type).toEqual({ type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' });
    expect(atTz?.logical_type).toEqual({ type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' });
    const bounds = (id: number) => [
      fromBinary(T.timestampNs, metrics.lowerBounds.get(id) as Uint8Array),
      fromBinary(T.timestampNs, metrics.upperBounds.get(id) as Uint8Array),
    ];
    expect(bounds(1)).toEqual([-1n, 1n]);
    expect(bounds(2)).toEqual([1_700_000_000_123_456_789n, 1_700_000_000_123_456_789n]);
  });
});

describe('rowsToArrow', () => {
  it('refuses a value that does not fit, naming the column path and the row', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ id: 1 }, /^id: row 0 has 1 \(number\), expected a 64-bit bigint/],
      [{ id: null }, /^id is required, row 0 has null/],
      [{ id: 1n, i: 2 ** 31 }, /^i: row 0 has 2147483648/],
      [{ id: 1n, dec9: 10n ** 9n }, /^dec9: row 0 has 1000000000n .*at most 9 digits/],
      [{ id: 1n, st: { b: 'x' } }, /^st\.a is required, row 0 has null/],
      [{ id: 1n, pairs: [null] }, /^pairs\.element is required/],
      [{ id: 1n, fx: new Uint8Array(3) }, /^fx: row 0 .*expected 4 bytes/],
    ];
    for (const [row, message] of cases) {
      expect(() => rowsToArrow(schema, [row])).toThrow(ValueError);
      expect(() => rowsToArrow(schema, [row])).toThrow(message);
    }
  });

  it('refuses a batch whose field ids do not match the schema', async () => {
    const other = { ...schema, fields: schema.fields.map((f) => (f.name === 'i' ? { ...f, id: 999 } : f)) };
    const batch = rowsToArrow(other, [{ id: 1n }]);
    await expect(writeParquetFile(schema, [batch])).rejects.toThrow(
      /batch field i \(field id 999\) does not match i/,
    );
  });
  it('streams a file of many rows through parquet-wasm in slices: the rows, row groups and metrics of the one-piece encoding', async () => {
    // 40,000 rows: more than two slices of SLICE_ROWS, cut inside batches and across them.
    const rows = Array.from({ length: 10_000 }, () => everyTypeRows).flat();
    const batches = [rowsToArrow(schema, rows.slice(0, 25_000)), rowsToArrow(schema, rows.slice(25_000))];
    const sliced = await writeParquetFile(schema, batches, { rowGroupRows: 30_000, compression: 'snappy' });
    const whole = encodeParquet(schema, batches, { rowGroupRows: 30_000, compression: 'snappy' });
    const read = (bytes: Uint8Array) => parquetReadObjects({ file: toArrayBuffer(bytes) });
    expect(await read(sliced.bytes)).toEqual(await read(whole));
    const groups = (bytes: Uint8Array) =>
      parquetMetadata(toArrayBuffer(bytes)).row_groups.map((g) => Number(g.num_rows));
    expect(groups(sliced.bytes)).toEqual([30_000, 10_000]);
    expect(groups(whole)).toEqual([30_000, 10_000]);
    expect(sliced.metrics.recordCount).toBe(40_000n);
  });
});
