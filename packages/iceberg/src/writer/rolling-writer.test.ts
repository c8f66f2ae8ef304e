import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFileIO } from '../io/local-file-io';
import { batchRows } from '../reader/arrow-rows';
import { parquetBatches } from '../reader/read-data-file';
import type { DataFile } from '../spec/manifest';
import { UNPARTITIONED } from '../spec/partition-spec';
import { newSchema, type Schema } from '../spec/schema';
import { optional, required, T } from '../spec/types';
import type { DataFileTarget } from './data-file';
import { columnMetrics } from './metrics';
import { RollingDataWriter, targetFileSize } from './rolling-writer';
import { type Row, rowsToArrow } from './rows-to-arrow';
import { everyTypeRows, everyTypeSchema } from './test-rows';

const io = new LocalFileIO();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-rolling-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function target(schema: Schema, targetFileSizeBytes: number): DataFileTarget & { written: string[] } {
  let index = 0;
  const written: string[] = [];
  return {
    io,
    schema,
    spec: UNPARTITIONED,
    dataLocation: join(dir, randomBytes(4).toString('hex')),
    filePrefix: 'test',
    nextIndex: () => index++,
    onWritten: (f) => written.push(f.filePath),
    targetFileSizeBytes,
    written,
  };
}

async function readBack(schema: Schema, files: DataFile[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const f of files) {
    for (const batch of parquetBatches(await io.read(f.filePath), schema))
      rows.push(...batchRows(schema, batch));
  }
  return rows;
}

const schema = newSchema([required('id', T.long), optional('payload', T.string)]);
// Random hex compresses to about half, the same for every row: file sizes follow row counts.
const rows = (from: number, to: number): Row[] =>
  Array.from({ length: to - from }, (_, i) => ({
    id: BigInt(from + i),
    payload: randomBytes(48).toString('hex'),
  }));

describe('RollingDataWriter', () => {
  it('cuts files near the target size, learning the bytes per row from a sample and then from its files', async () => {
    const size = 256 * 1024;
    const t = target(schema, size);
    const writer = new RollingDataWriter(t, []);
    const input: Row[] = [];
    for (let from = 0; from < 20_000; from += 1000) {
      const batch = rows(from, from + 1000);
      input.push(...batch);
      await writer.write(rowsToArrow(schema, batch));
    }
    const files = await writer.close();
    const sizes = files.map((f) => Number(f.fileSizeInBytes));
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(files.length).toBe(Math.ceil(total / size));
    for (const s of sizes.slice(0, -1)) expect(Math.abs(s - size) / size).toBeLessThan(0.1);
    expect(sizes.at(-1)).toBeLessThan(size * 1.1);
    expect(t.written).toEqual(files.map((f) => f.filePath));
    expect(await readBack(schema, files)).toEqual(input);
  });

  it('keeps rows that fill less than the target in one file, however many batches bring them', async () => {
    const writer = new RollingDataWriter(target(schema, 1024 * 1024), []);
    for (let from = 0; from < 1000; from += 100)
      await writer.write(rowsToArrow(schema, rows(from, from + 100)));
    const files = await writer.close();
    expect(files.map((f) => f.recordCount)).toEqual([1000n]);
  });

  it('cuts inside a batch where the expected bytes per row say, writing sliced rows and their metrics exactly', async () => {
    const writer = new RollingDataWriter(target(everyTypeSchema, 5 * 1000), [], 1000);
    const input = [...everyTypeRows, ...everyTypeRows, ...everyTypeRows];
    for (let b = 0; b < 3; b += 1) await writer.write(rowsToArrow(everyTypeSchema, everyTypeRows));
    const files = await writer.close();
    expect(files[0]?.recordCount).toBe(5n);
    expect(files.reduce((n, f) => n + f.recordCount, 0n)).toBe(12n);
    const complete = input.map((r) =>
      Object.fromEntries(everyTypeSchema.fields.map((f) => [f.name, r[f.name] ?? null])),
    );
    expect(await readBack(everyTypeSchema, files)).toEqual(complete);
    // The file cut from the middle of a batch has the metrics of its own rows.
    const second = files[1] as DataFile;
    const fromRows = columnMetrics(everyTypeSchema, [
      rowsToArrow(everyTypeSchema, input.slice(5, 5 + Number(second.recordCount))),
    ]);
    expect([second.valueCounts, second.nullValueCounts, second.lowerBounds, second.upperBounds]).toEqual([
      fromRows.valueCounts,
      fromRows.nullValueCounts,
      fromRows.lowerBounds,
      fromRows.upperBounds,
    ]);
  });
});

describe('targetFileSize', () => {
  it('takes the caller’s size, else the table property, else 128 MiB, and refuses a size that is not one', () => {
    expect(targetFileSize({}, 1000)).toBe(1000);
    expect(targetFileSize({ 'write.target-file-size-bytes': '2048' })).toBe(2048);
    expect(targetFileSize({})).toBe(128 * 1024 * 1024);
    expect(() => targetFileSize({ 'write.target-file-size-bytes': '12MB' })).toThrow(
      /positive whole number of bytes, got 12MB/,
    );
  });
});
