import {
  batchRows,
  currentSnapshot,
  type DataFile,
  type FileIO,
  type LiveFile,
  type LoadedTable,
  liveFiles,
  readDataFile,
  readPositionDeletes,
  tableName,
} from '@floe/iceberg';
import type { KeyColumns } from './change-key';

/** Positions fit 32 bits (a file of 4 billion rows is cut long before); file numbers the bits above. */
const POSITION_BITS = 2 ** 32;
const READ_CONCURRENCY = 8;

/** A live row of the table: its data file and position (from 0) in it. */
export interface RowLocation {
  file: DataFile;
  pos: bigint;
}

/**
 * Where each key's live row is, as of one snapshot of the table: key → data file and position, kept
 * as one number per key (file number × 2³² + position) so that a million keys take tens of MB, not
 * hundreds. Built by reading the key columns of the live data files and the live position delete
 * files; kept current by applying each commit Floe makes. A key found live twice (written by another
 * tool) keeps every location, so its next change deletes them all.
 */
export class KeyIndex {
  private readonly files: DataFile[] = [];
  private readonly fileNumbers = new Map<string, number>();
  private readonly rows = new Map<string, number>();
  private readonly duplicates = new Map<string, number[]>();

  private constructor(
    /** The snapshot the index reflects (undefined: an empty table). */
    public snapshotId: bigint | undefined,
  ) {}

  static empty(snapshotId: bigint | undefined): KeyIndex {
    return new KeyIndex(snapshotId);
  }

  /** Reads the key columns of every live row of the table's current snapshot. Equality deletes are refused. */
  static async build(io: FileIO, table: LoadedTable, keys: KeyColumns): Promise<KeyIndex> {
    const snapshot = currentSnapshot(table.metadata);
    const index = new KeyIndex(snapshot?.snapshotId);
    const live = await liveFiles(io, table.metadata, snapshot);
    const equality = live.find((f) => f.file.content === 2);
    if (equality !== undefined) {
      throw new Error(
        `${tableName(table.identifier)}: ${equality.file.filePath} is an equality delete file; Floe keeps keys with position deletes only`,
      );
    }
    const deleted = new Map<string, Set<bigint>>();
    await inParallel(
      live.filter((f) => f.file.content === 1),
      async (f) => {
        // Parquet position delete files and deletion vectors alike.
        for (const [path, positions] of await readPositionDeletes(io, f.file)) {
          const set = deleted.get(path) ?? new Set<bigint>();
          for (const pos of positions) set.add(BigInt(pos));
          deleted.set(path, set);
        }
      },
    );
    const schema = keys.schema();
    const perFile = new Map<LiveFile, string[]>();
    await inParallel(
      live.filter((f) => f.file.content === 0),
      async (f) => {
        const fileKeys: string[] = [];
        for (const batch of await readDataFile(io, table, f, schema)) {
          for (const row of batchRows(schema, batch)) fileKeys.push(keys.ofValue(row, f.file.filePath));
        }
        perFile.set(f, fileKeys);
      },
    );
    for (const [f, fileKeys] of perFile) {
      const gone = deleted.get(f.file.filePath);
      fileKeys.forEach((key, pos) => {
        if (gone?.has(BigInt(pos))) return;
        index.add(key, { file: f.file, pos: BigInt(pos) });
      });
    }
    return index;
  }

  get size(): number {
    return this.rows.size;
  }

  /** Every live row of the key (one, unless another tool wrote the key twice). */
  locations(key: string): RowLocation[] {
    const at = this.rows.get(key);
    if (at === undefined) return [];
    return [at, ...(this.duplicates.get(key) ?? [])].map((n) => this.location(n));
  }

  /** The key's row is now this one (its old rows were deleted in the same commit). */
  set(key: string, location: RowLocation): void {
    this.duplicates.delete(key);
    this.rows.set(key, this.encode(location));
  }

  delete(key: string): void {
    this.duplicates.delete(key);
    this.rows.delete(key);
  }

  private add(key: string, location: RowLocation): void {
    const at = this.encode(location);
    if (!this.rows.has(key)) this.rows.set(key, at);
    else this.duplicates.set(key, [...(this.duplicates.get(key) ?? []), at]);
  }

  private encode({ file, pos }: RowLocation): number {
    let number = this.fileNumbers.get(file.filePath);
    if (number === undefined) {
      number = this.files.length;
      this.files.push(file);
      this.fileNumbers.set(file.filePath, number);
    }
    return number * POSITION_BITS + Number(pos);
  }

  private location(at: number): RowLocation {
    return { file: this.files[Math.floor(at / POSITION_BITS)] as DataFile, pos: BigInt(at % POSITION_BITS) };
  }
}

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, items.length) }, worker));
}
