import type { Data, Vector } from 'apache-arrow';
import type { FileIO } from '../io/file-io';
import type { DataFile } from '../spec/manifest';
import { deserializeDeletionVector } from '../spec/puffin/deletion-vector';
import { tupleKey } from '../spec/values';
import { POSITION_DELETE_SCHEMA } from '../writer/position-delete-file';
import type { LiveFile } from './live-files';
import { parquetBatches } from './read-data-file';

// Which delete files apply to which data files (spec "Scan Planning"), and what they delete.

/** What a delete file deletes: the positions (from 0) of rows, per data file path. */
export type DeletedPositions = ReadonlyMap<string, readonly number[]>;

/** Reads one kind of position delete file: Parquet position deletes, or a format v3 deletion vector. */
type PositionDeleteReader = (io: FileIO, file: DataFile) => Promise<DeletedPositions>;

const FILE_PATH_ID = POSITION_DELETE_SCHEMA.fields[0]?.id as number;

async function parquetPositionDeletes(io: FileIO, file: DataFile): Promise<DeletedPositions> {
  const deleted = new Map<string, number[]>();
  for (const batch of parquetBatches(await io.read(file.filePath), POSITION_DELETE_SCHEMA)) {
    const paths = batch.getChildAt(0) as Vector;
    const positions = (batch.data.children[1] as Data).values as BigInt64Array;
    let path: string | undefined;
    let list: number[] = [];
    for (let i = 0; i < batch.numRows; i += 1) {
      const at = paths.get(i) as string;
      if (at !== path) {
        path = at;
        list = deleted.get(at) ?? [];
        deleted.set(at, list);
      }
      list.push(Number(positions[i]));
    }
  }
  return deleted;
}

/** A deletion vector: the blob at content_offset in its Puffin file, for its one referenced data file. */
async function deletionVector(io: FileIO, file: DataFile): Promise<DeletedPositions> {
  const { referencedDataFile, contentOffset, contentSizeInBytes } = file;
  if (referencedDataFile === undefined || contentOffset === undefined || contentSizeInBytes === undefined) {
    throw new Error('a deletion vector needs referenced_data_file, content_offset and content_size_in_bytes');
  }
  const bytes = await io.read(file.filePath);
  const start = Number(contentOffset);
  const blob = bytes.subarray(start, start + Number(contentSizeInBytes));
  return new Map([[referencedDataFile, deserializeDeletionVector(blob)]]);
}

const POSITION_DELETE_READERS: Partial<Record<DataFile['fileFormat'], PositionDeleteReader>> = {
  PARQUET: parquetPositionDeletes,
  PUFFIN: deletionVector,
};

/** Reads a position delete file: the rows it deletes, per data file path. */
export async function readPositionDeletes(io: FileIO, file: DataFile): Promise<DeletedPositions> {
  if (file.content !== 1) throw new Error(`${file.filePath} is not a position delete file`);
  const read = POSITION_DELETE_READERS[file.fileFormat];
  if (read === undefined) {
    throw new Error(`${file.filePath}: position deletes in ${file.fileFormat} files are not read`);
  }
  try {
    return await read(io, file);
  } catch (error) {
    throw new Error(`${file.filePath}: ${(error as Error).message}`, { cause: error });
  }
}

/** A content file as a snapshot holds it: its partition spec and data sequence number count. */
export type ScopedFile = Pick<LiveFile, 'file' | 'specId' | 'sequenceNumber'>;

/**
 * Whether a position delete file may delete rows of the data file at `path`: a deletion vector only
 * of its referenced data file, a position delete file of those within its file_path bounds (all paths
 * when it has none).
 */
export function withinPathBounds(deleteFile: DataFile, path: string): boolean {
  if (deleteFile.referencedDataFile !== undefined) return deleteFile.referencedDataFile === path;
  const decode = (bytes: Uint8Array | undefined) =>
    bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
  const lower = decode(deleteFile.lowerBounds?.get(FILE_PATH_ID));
  const upper = decode(deleteFile.upperBounds?.get(FILE_PATH_ID));
  return (lower === undefined || path >= lower) && (upper === undefined || path <= upper);
}

/**
 * Whether a delete file may apply to a data file, by metadata alone (spec "Scan Planning"): a position
 * delete file to data files of its partition (spec and values) with a data sequence number at most its
 * own and a path within its file_path bounds; an equality delete file to those of its partition (any
 * partition when its spec is unpartitioned) with a smaller data sequence number.
 */
export function mayApplyTo(deleteFile: ScopedFile, data: ScopedFile): boolean {
  const { file } = deleteFile;
  if (file.content === 2) {
    const global = file.partition.length === 0;
    return data.sequenceNumber < deleteFile.sequenceNumber && (global || samePartition(deleteFile, data));
  }
  return (
    data.sequenceNumber <= deleteFile.sequenceNumber &&
    samePartition(deleteFile, data) &&
    withinPathBounds(file, data.file.filePath)
  );
}

function samePartition(a: ScopedFile, b: ScopedFile): boolean {
  return a.specId === b.specId && tupleKey(a.file.partition) === tupleKey(b.file.partition);
}

/**
 * What delete files delete, each file read once (a delete file usually applies to many data files):
 * the positions deleted in one data file, per the delete files that apply to it.
 */
export class DeletedRows {
  private readonly read = new Map<string, Promise<DeletedPositions>>();

  constructor(private readonly io: FileIO) {}

  /** What a position delete file deletes, per data file path. */
  of(deleteFile: DataFile): Promise<DeletedPositions> {
    // One Puffin file may hold several vectors (other writers put them together): each is its blob.
    const key = `${deleteFile.filePath}#${deleteFile.contentOffset ?? ''}`;
    let deleted = this.read.get(key);
    if (deleted === undefined) {
      deleted = readPositionDeletes(this.io, deleteFile);
      this.read.set(key, deleted);
    }
    return deleted;
  }

  /** The positions of a data file's rows that the given delete files delete (those that apply to it). */
  async positions(data: ScopedFile, deleteFiles: readonly ScopedFile[]): Promise<Set<number>> {
    const deleted = new Set<number>();
    for (const d of deleteFiles) {
      if (!mayApplyTo(d, data)) continue;
      for (const pos of (await this.of(d.file)).get(data.file.filePath) ?? []) deleted.add(pos);
    }
    return deleted;
  }
}
