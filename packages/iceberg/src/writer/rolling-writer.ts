import type { RecordBatch } from 'apache-arrow';
import type { DataFile } from '../spec/manifest';
import type { IcebergValue } from '../spec/values';
import { type DataFileTarget, writeDataFile } from './data-file';
import { encodeParquet } from './parquet-writer';

export const DEFAULT_TARGET_FILE_SIZE = 128 * 1024 * 1024;
/** The table property Iceberg writers read their target data file size from. */
export const TARGET_FILE_SIZE_PROPERTY = 'write.target-file-size-bytes';
/** Arrow bytes encoded once to learn how large a row is in Parquet, before any file says so. */
const SAMPLE_ARROW_BYTES = 4 * 1024 * 1024;

/** The target data file size: the caller's, else the table's property, else 128 MiB. */
export function targetFileSize(properties: Record<string, string>, override?: number): number {
  const value = override ?? properties[TARGET_FILE_SIZE_PROPERTY];
  if (value === undefined) return DEFAULT_TARGET_FILE_SIZE;
  const bytes = Number(value);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new Error(`target file size must be a positive whole number of bytes, got ${String(value)}`);
  }
  return bytes;
}

interface Pending {
  batch: RecordBatch;
  arrowBytes: number;
}

/**
 * Writes the rows of one partition as data files cut near the target size in storage. Rows wait in
 * memory until a file's worth is there; a file's worth of rows comes from the bytes per row of the
 * files written so far, before the first one from `expectedBytesPerRow` or from encoding a sample.
 */
export class RollingDataWriter {
  private readonly pending: Pending[] = [];
  private pendingRows = 0;
  private pendingArrowBytes = 0;
  private readonly files: DataFile[] = [];
  private writtenRows = 0;
  private writtenBytes = 0;
  private sampledBytesPerRow: number | undefined;

  constructor(
    private readonly target: DataFileTarget,
    private readonly partition: IcebergValue[],
    /** Storage bytes per row known beforehand, e.g. of the files a compaction rewrites. */
    private readonly expectedBytesPerRow?: number,
  ) {}

  /** Takes a batch of the table's Arrow form; writes every file it completes. */
  async write(batch: RecordBatch): Promise<void> {
    if (batch.numRows === 0) return;
    this.pending.push({ batch, arrowBytes: batch.data.byteLength });
    this.pendingRows += batch.numRows;
    this.pendingArrowBytes += batch.data.byteLength;
    for (let rows = this.rowsPerFile(); rows !== undefined && this.pendingRows >= rows; ) {
      await this.flush(rows);
      rows = this.rowsPerFile();
    }
  }

  /** Writes what is left (a smaller last file) and returns every file this writer wrote. */
  async close(): Promise<DataFile[]> {
    if (this.pendingRows > 0) await this.flush(this.pendingRows);
    return [...this.files];
  }

  /** Rows that make a file of about the target size; undefined while no file can be due yet. */
  private rowsPerFile(): number | undefined {
    const perRow = this.bytesPerRow();
    return perRow === undefined
      ? undefined
      : Math.max(1, Math.floor(this.target.targetFileSizeBytes / perRow));
  }

  private bytesPerRow(): number | undefined {
    if (this.writtenRows > 0) return this.writtenBytes / this.writtenRows;
    if (this.expectedBytesPerRow !== undefined) return this.expectedBytesPerRow;
    // Parquet is rarely larger than the Arrow it encodes: below the target in Arrow, no file is due.
    if (this.pendingArrowBytes < this.target.targetFileSizeBytes) return undefined;
    this.sampledBytesPerRow ??= this.sample();
    return this.sampledBytesPerRow;
  }

  private sample(): number {
    const arrowPerRow = this.pendingArrowBytes / this.pendingRows;
    const rows = Math.min(this.pendingRows, Math.max(1, Math.ceil(SAMPLE_ARROW_BYTES / arrowPerRow)));
    return encodeParquet(this.target.schema, this.head(rows), this.target.parquet).byteLength / rows;
  }

  private async flush(rows: number): Promise<void> {
    const file = await writeDataFile(this.target, this.head(rows), this.partition);
    this.drop(rows);
    this.files.push(file);
    this.writtenRows += rows;
    this.writtenBytes += Number(file.fileSizeInBytes);
  }

  /** The first `rows` pending rows, as batches (the last one sliced). */
  private head(rows: number): RecordBatch[] {
    const batches: RecordBatch[] = [];
    let left = rows;
    for (const { batch } of this.pending) {
      if (left === 0) break;
      batches.push(batch.numRows <= left ? batch : batch.slice(0, left));
      left -= Math.min(left, batch.numRows);
    }
    return batches;
  }

  private drop(rows: number): void {
    let left = rows;
    while (left > 0) {
      const first = this.pending[0] as Pending;
      const n = first.batch.numRows;
      if (n <= left) {
        this.pending.shift();
        this.pendingArrowBytes -= first.arrowBytes;
        left -= n;
      } else {
        const kept = (first.arrowBytes * (n - left)) / n;
        this.pendingArrowBytes -= first.arrowBytes - kept;
        this.pending[0] = { batch: first.batch.slice(left), arrowBytes: kept };
        left = 0;
      }
    }
    this.pendingRows -= rows;
  }
}
