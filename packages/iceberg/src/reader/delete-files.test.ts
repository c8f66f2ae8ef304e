import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalFileIO } from '../io/local-file-io';
import type { DataFile } from '../spec/manifest';
import { serializeDeletionVector } from '../spec/puffin/deletion-vector';
import { writePuffin } from '../spec/puffin/puffin-file';
import { DeletedRows, mayApplyTo } from './delete-files';

describe('deletion vectors as readers find them', () => {
  const io = new LocalFileIO();
  let dir = '';
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads each vector of a Puffin file holding several (as other writers make them) on its own', async () => {
    dir = await mkdtemp(join(tmpdir(), 'floe-dv-'));
    const blobs = [serializeDeletionVector([1, 2]), serializeDeletionVector([7])];
    const { bytes, locations } = writePuffin(
      blobs.map((b) => ({
        type: 'deletion-vector-v1',
        fields: [],
        snapshotId: -1n,
        sequenceNumber: -1n,
        properties: {},
        bytes: b,
      })),
      {},
    );
    const path = join(dir, 'deletes.puffin');
    await io.write(path, bytes);
    const vector = (data: string, i: number): DataFile => ({
      content: 1,
      filePath: path,
      fileFormat: 'PUFFIN',
      partition: [],
      recordCount: 1n,
      fileSizeInBytes: BigInt(bytes.length),
      referencedDataFile: data,
      contentOffset: BigInt(locations[i]?.offset ?? 0),
      contentSizeInBytes: BigInt(locations[i]?.length ?? 0),
    });
    const rows = new DeletedRows(io);
    const scoped = (file: DataFile, sequenceNumber = 2n) => ({ file, specId: 0, sequenceNumber });
    const dataFile = (filePath: string) =>
      scoped(
        { content: 0, filePath, fileFormat: 'PARQUET', partition: [], recordCount: 10n, fileSizeInBytes: 1n },
        1n,
      );
    const deletes = [scoped(vector('a.parquet', 0)), scoped(vector('b.parquet', 1))];
    expect(await rows.positions(dataFile('a.parquet'), deletes)).toEqual(new Set([1, 2]));
    expect(await rows.positions(dataFile('b.parquet'), deletes)).toEqual(new Set([7]));
    // A vector applies to its referenced data file only.
    expect(mayApplyTo(deletes[0] as ReturnType<typeof scoped>, dataFile('b.parquet'))).toBe(false);
  });
});
