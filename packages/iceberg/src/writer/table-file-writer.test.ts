import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedTable } from '../catalog/catalog';
import { LocalFileIO } from '../io/local-file-io';
import { batchRows } from '../reader/arrow-rows';
import { parquetBatches } from '../reader/read-data-file';
import type { DataFile } from '../spec/manifest';
import { type PartitionSpec, PartitionSpecBuilder } from '../spec/partition-spec';
import { newSchema, type Schema } from '../spec/schema';
import { optional, required, T } from '../spec/types';
import { POSITION_DELETE_SCHEMA } from './position-delete-file';
import { type Row, rowsToArrow } from './rows-to-arrow';
import { TableFileWriter } from './table-file-writer';

const io = new LocalFileIO();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-table-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const schema = newSchema([required('id', T.long), optional('region', T.string)]);
const byRegion = new PartitionSpecBuilder(schema).identity('region').build();

/** A table as a catalog would hand it over: only what a writer reads is filled in. */
function table(name: string, spec: PartitionSpec, properties: Record<string, string> = {}): LoadedTable {
  return {
    identifier: { namespace: ['ns'], name },
    metadataLocation: undefined,
    config: {},
    storageCredentials: [],
    metadata: {
      formatVersion: 2,
      tableUuid: '00000000-0000-0000-0000-000000000001',
      location: join(dir, name),
      lastSequenceNumber: 0n,
      lastUpdatedMs: 0,
      lastColumnId: 2,
      schemas: [schema],
      currentSchemaId: schema.schemaId,
      partitionSpecs: [spec],
      defaultSpecId: spec.specId,
      lastPartitionId: 1000,
      properties,
      currentSnapshotId: null,
      snapshots: [],
      snapshotLog: [],
      metadataLog: [],
      sortOrders: [],
      defaultSortOrderId: 0,
      refs: {},
    },
  };
}

const rows = (region: string | null, ids: number[]): Row[] => ids.map((id) => ({ id: BigInt(id), region }));

async function readBack(fileSchema: Schema, file: DataFile): Promise<Row[]> {
  return parquetBatches(await io.read(file.filePath), fileSchema).flatMap((b) => batchRows(fileSchema, b));
}

describe('TableFileWriter', () => {
  it('writes rows as one data file per partition, under the table location and its own prefix', async () => {
    const writer = new TableFileWriter(io, table('rows', byRegion));
    const files = await writer.writeRows([...rows('eu', [1, 2]), ...rows(null, [3]), ...rows('eu', [4])]);
    expect(files.map((f) => [f.content, f.partition, f.recordCount])).toEqual([
      [0, ['eu'], 3n],
      [0, [null], 1n],
    ]);
    for (const f of files) {
      expect(f.filePath.startsWith(join(dir, 'rows', 'data', `region=${f.partition[0]}`))).toBe(true);
      expect(f.filePath).toContain(writer.prefix);
    }
    expect(await readBack(schema, files[0] as DataFile)).toEqual(rows('eu', [1, 2, 4]));
    expect(writer.files).toEqual(files.map((f) => f.filePath));
  });

  it('puts files under write.data.path when the table sets it', async () => {
    const elsewhere = join(dir, 'elsewhere');
    const writer = new TableFileWriter(io, table('path', byRegion, { 'write.data.path': elsewhere }));
    const [file] = await writer.writeBatches([rowsToArrow(schema, rows('us', [1]))]);
    expect(file?.filePath.startsWith(`${elsewhere}/region=us/`)).toBe(true);
  });

  it('refuses batches of more than one partition, naming the table and the row', async () => {
    const writer = new TableFileWriter(io, table('mixed', byRegion));
    const mixed = rowsToArrow(schema, [...rows('eu', [1]), ...rows('us', [2])]);
    await expect(writer.writeBatches([mixed])).rejects.toThrow(
      'ns.mixed: batch 0 row 1 is in partition region=us, not region=eu',
    );
  });

  it('writes a position delete file per partition, rows sorted by path then position', async () => {
    const writer = new TableFileWriter(io, table('deletes', byRegion));
    const [eu, us] = await writer.writeRows([...rows('eu', [1, 2, 3]), ...rows('us', [4, 5])]);
    const deletes = await writer.writePositionDeletes([
      { dataFile: eu as DataFile, positions: [2n, 0n] },
      { dataFile: us as DataFile, positions: [] },
    ]);
    expect(deletes.map((f) => [f.content, f.partition, f.recordCount])).toEqual([[1, ['eu'], 2n]]);
    expect(await readBack(POSITION_DELETE_SCHEMA, deletes[0] as DataFile)).toEqual([
      { file_path: eu?.filePath, pos: 0n },
      { file_path: eu?.filePath, pos: 2n },
    ]);
    await expect(
      writer.writePositionDeletes([{ dataFile: deletes[0] as DataFile, positions: [0n] }]),
    ).rejects.toThrow(/ns.deletes: .* is not a data file/);
  });

  it('removes every file it wrote when aborted', async () => {
    const writer = new TableFileWriter(io, table('abort', byRegion));
    const files = await writer.writeRows([...rows('eu', [1]), ...rows('us', [2])]);
    await writer.abort();
    for (const f of files) expect(await io.exists(f.filePath)).toBe(false);
    expect(writer.files).toEqual([]);
  });
});
