import {
  type Catalog,
  type LoadedTable,
  MAIN_BRANCH,
  type Snapshot,
  type SnapshotRef,
  type TableIdentifier,
  type TableMetadata,
  type TableRequirement,
  type TableUpdate,
} from '@floe/iceberg';

/**
 * The table as its branch `branch` sees it, for writers that commit to main (TableSink, FastAppend):
 * loaded, the branch is main (an absent branch is a table with no snapshot yet); committed, what they
 * assert and move on main is asserted and moved on the branch. The real main is not touched. `stamp`
 * adds summary properties to each snapshot committed, given its parent's summary.
 */
export class BranchView implements Catalog {
  constructor(
    private readonly catalog: Catalog,
    private readonly branch: string,
    private readonly stamp: (parent: Snapshot | undefined) => Record<string, string> = () => ({}),
  ) {
    if (branch === MAIN_BRANCH) throw new Error('a branch view is of a branch other than main');
  }

  listNamespaces: Catalog['listNamespaces'] = (parent) => this.catalog.listNamespaces(parent);
  createNamespace: Catalog['createNamespace'] = (ns, properties) =>
    this.catalog.createNamespace(ns, properties);
  dropNamespace: Catalog['dropNamespace'] = (ns) => this.catalog.dropNamespace(ns);
  listTables: Catalog['listTables'] = (ns) => this.catalog.listTables(ns);
  tableExists: Catalog['tableExists'] = (id) => this.catalog.tableExists(id);

  createTable(): Promise<LoadedTable> {
    return Promise.reject(new Error(`a backfill writes to branch "${this.branch}" of an existing table`));
  }

  dropTable(): Promise<void> {
    return Promise.reject(new Error(`a branch view never drops its table`));
  }

  async loadTable(id: TableIdentifier): Promise<LoadedTable> {
    return this.view(await this.catalog.loadTable(id));
  }

  async updateTable(
    id: TableIdentifier,
    requirements: TableRequirement[],
    updates: TableUpdate[],
  ): Promise<LoadedTable> {
    const onBranch = (ref: string) => (ref === MAIN_BRANCH ? this.branch : ref);
    const mapped = updates.map((u): TableUpdate => {
      if (u.action === 'set-snapshot-ref') return { ...u, refName: onBranch(u.refName) };
      if (u.action !== 'add-snapshot') return u;
      // The parent is the branch head the writer loaded: in the metadata this view handed it.
      const { parentSnapshotId } = u.snapshot;
      const parent = parentSnapshotId === undefined ? undefined : this.seen.get(parentSnapshotId);
      return { ...u, snapshot: { ...u.snapshot, summary: { ...u.snapshot.summary, ...this.stamp(parent) } } };
    });
    const asserted = requirements.map((r) =>
      r.type === 'assert-ref-snapshot-id' ? { ...r, ref: onBranch(r.ref) } : r,
    );
    const table =
      this.mainAt === undefined
        ? await this.catalog.updateTable(id, asserted, mapped)
        : await this.catalog.updateTable(
            id,
            [...asserted, { type: 'assert-ref-snapshot-id', ref: MAIN_BRANCH, snapshotId: this.mainAt }],
            [...mapped, ...this.publication(mapped)],
          );
    return this.view(table);
  }

  /**
   * From now on, each commit also moves the real main to the snapshot it adds, in the same catalog
   * commit, asserting main is still at `mainAt`: a cutover publishes the branch atomically or not at
   * all; with `defaultSpecId`, the same commit makes that partition spec the table's default (REST
   * `set-default-spec`). Undefined: no more.
   */
  publishTo(mainAt: bigint | null | undefined, defaultSpecId?: number): void {
    this.mainAt = mainAt;
    this.defaultSpecId = mainAt === undefined ? undefined : defaultSpecId;
  }

  private mainAt: bigint | null | undefined;
  private defaultSpecId: number | undefined;
  /** The real main's ref as last loaded: a cutover keeps its retention settings. */
  private mainRef: SnapshotRef | undefined;

  private publication(updates: TableUpdate[]): TableUpdate[] {
    const respec: TableUpdate[] =
      this.defaultSpecId === undefined ? [] : [{ action: 'set-default-spec', specId: this.defaultSpecId }];
    const moves = updates.flatMap((u): TableUpdate[] =>
      u.action === 'add-snapshot'
        ? [
            {
              action: 'set-snapshot-ref',
              refName: MAIN_BRANCH,
              ref: { ...this.mainRef, snapshotId: u.snapshot.snapshotId, type: 'branch' },
            },
          ]
        : [],
    );
    return [...moves, ...respec];
  }

  /** The snapshots of every metadata loaded through this view, by id. */
  private readonly seen = new Map<bigint, Snapshot>();

  private view(table: LoadedTable): LoadedTable {
    for (const s of table.metadata.snapshots) this.seen.set(s.snapshotId, s);
    this.mainRef = table.metadata.refs[MAIN_BRANCH];
    return { ...table, metadata: branchAsMain(table.metadata, this.branch) };
  }
}

/** The metadata with `branch` as main (and no other main). */
export function branchAsMain(metadata: TableMetadata, branch: string): TableMetadata {
  const { [MAIN_BRANCH]: _main, ...refs } = metadata.refs;
  const ref = metadata.refs[branch];
  if (ref !== undefined && ref.type !== 'branch') throw new Error(`"${branch}" is a tag, not a branch`);
  return {
    ...metadata,
    refs: ref === undefined ? refs : { ...refs, [MAIN_BRANCH]: ref },
    currentSnapshotId: ref?.snapshotId ?? null,
  };
}
