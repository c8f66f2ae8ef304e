import { randomUUID } from 'node:crypto';
import {
  type DataFile,
  type DataFileTarget,
  type FileIO,
  type PartitionSpec,
  type Schema,
  storeDataFile,
  type TableMetadata,
} from '@floe/iceberg';
import type { ChangeSet } from '../changes/change-set';
import type { TableWriter, WrittenDataFile } from '../engine/engine';
import { FencedError } from './table-commit';

/** Times a stage of the sink's work in the pipeline's metrics (or not at all). */
export type Timed = <T>(stage: 'take' | 'encode' | 'upload' | 'commit', work: () => Promise<T>) => Promise<T>;

/**
 * A sink's data files between the engine and a commit: files written and not in storage yet (an
 * upload failed: they are retried) and files stored that wait for a commit or a hand-over (a failed
 * commit's files join the next attempt). Writing files knows nothing of how they are committed.
 */
export class StoredFiles {
  private unstored: WrittenDataFile[] = [];
  private stored: DataFile[] = [];
  private storedSpec: PartitionSpec | undefined;

  constructor(
    private readonly io: FileIO,
    private readonly time: Timed,
    private readonly changes: ChangeSet | undefined,
  ) {}

  /** Files in storage waiting for a commit. */
  get files(): readonly DataFile[] {
    return this.stored;
  }

  /** The spec the stored files are in. */
  get spec(): PartitionSpec | undefined {
    return this.storedSpec;
  }

  /** Whether any file is written and not yet committed or handed over. */
  get holds(): boolean {
    return this.stored.length > 0 || this.unstored.length > 0;
  }

  /** The engine writes what it holds as Parquet; the files go to storage and wait for the commit. */
  async store(
    name: string,
    writer: TableWriter,
    metadata: TableMetadata,
    spec: PartitionSpec,
    schema: Schema,
    target: number,
  ): Promise<void> {
    if (this.storedSpec !== undefined && this.storedSpec.specId !== spec.specId && this.stored.length > 0) {
      throw new FencedError(`${name}: the partition spec changed while files waited for a commit`);
    }
    if (writer.bufferedRows > 0)
      this.unstored.push(...(await this.time('encode', () => writer.flush(target))));
    if (this.unstored.length === 0) return;
    const prefix = randomUUID();
    let index = 0;
    const storage: DataFileTarget = {
      io: this.io,
      schema,
      spec,
      dataLocation: metadata.properties['write.data.path'] ?? `${metadata.location}/data`,
      filePrefix: prefix,
      nextIndex: () => index++,
      onWritten: () => {},
      targetFileSizeBytes: target,
    };
    this.storedSpec = spec;
    const uploads = await this.time('upload', () =>
      Promise.allSettled(this.unstored.map((f) => storeDataFile(storage, f, f.partition))),
    );
    const failed = uploads.flatMap((u, i) => (u.status === 'rejected' ? [i] : []));
    uploads.forEach((u, i) => {
      if (u.status !== 'fulfilled') return;
      this.stored.push(u.value);
      this.changes?.written(this.unstored[i] as WrittenDataFile, u.value, schema);
    });
    const firstFailure = uploads.find((u) => u.status === 'rejected');
    this.unstored = failed.map((i) => this.unstored[i] as WrittenDataFile);
    if (firstFailure !== undefined) throw firstFailure.reason;
  }

  /** The stored files, given up to a commit that landed or to a hand-over. */
  takeAll(): DataFile[] {
    const files = this.stored;
    this.stored = [];
    return files;
  }

  /** Forgets every file; the stored ones are deleted from storage (no commit references them). */
  discard(): void {
    this.unstored = [];
    const files = this.takeAll();
    void Promise.allSettled(files.map((f) => this.io.delete(f.filePath)));
  }
}
