import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog';
import type { FileIO } from '../io/file-io';
import {
  type Attempt,
  type AttemptChanges,
  type SnapshotOptions,
  SnapshotProducer,
  type SnapshotResult,
} from './snapshot-producer';

export type { SummaryProperties } from './snapshot-producer';
export interface AppendOptions extends SnapshotOptions {
  /**
   * Commit a snapshot even with no data files: it changes no rows but records its summary properties
   * (a stream consumer moving its offsets past records it sent elsewhere). Off by default.
   */
  allowEmpty?: boolean;
}
export type AppendResult = SnapshotResult;

/**
 * A fast append to a branch (main unless told): new data files go into a new manifest, and the new
 * manifest list carries the parent's manifests unchanged (see SnapshotProducer for the commit).
 */
export class FastAppend extends SnapshotProducer {
  protected readonly operation = 'append';

  /** Starts an append on the table as the catalog has it now, or as given (its current schema and default spec). */
  static async start(
    catalog: Catalog,
    io: FileIO,
    table: TableIdentifier | LoadedTable,
    options: AppendOptions = {},
  ): Promise<FastAppend> {
    return new FastAppend(catalog, io, await SnapshotProducer.load(catalog, table), options);
  }

  private constructor(
    catalog: Catalog,
    io: FileIO,
    base: LoadedTable,
    private readonly appendOptions: AppendOptions,
  ) {
    super(catalog, io, base, appendOptions);
  }

  protected checkReady(): void {
    if (this.addedFiles().length === 0 && !this.appendOptions.allowEmpty) {
      throw new Error(`${this.name}: nothing to append`);
    }
  }

  protected async apply(attempt: Attempt): Promise<AttemptChanges> {
    return { manifests: await this.parentManifests(attempt), removed: [] };
  }
}
