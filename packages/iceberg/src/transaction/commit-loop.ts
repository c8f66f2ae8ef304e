import { type Catalog, type LoadedTable, tableName } from '../catalog/catalog';
import { CommitFailedError, CommitStateUnknownError } from '../catalog/errors';
import type { TableRequirement, TableUpdate } from '../catalog/table-commit';
import { type RetryOptions, retrying } from './retry';

/** What one attempt sends: the requirements its updates rest on, and the updates. */
export interface TableCommit {
  requirements: TableRequirement[];
  updates: TableUpdate[];
}

/**
 * A change to one table that can be made again on a newer version of it (iceberg-rust's
 * TransactionAction, Java's PendingUpdate). Every action of this package commits through
 * `commitChange`, which calls these hooks.
 */
export interface TableChange {
  /** How the change reads in an error, e.g. "its properties were updated". */
  readonly what: string;
  /**
   * The commit of attempt `attempt` (from 1) on the table as it is now; undefined when the table
   * already shows the change. Throwing (e.g. a validation that no longer holds) abandons the change.
   */
  apply(table: LoadedTable, attempt: number): Promise<TableCommit | undefined>;
  /**
   * Whether the change is in `table` already, reloaded after a refused or unknown commit: an earlier
   * attempt whose answer was lost may have landed (`sawUnknown`), and must not land twice.
   */
  landed?(table: LoadedTable, sawUnknown: boolean): boolean;
  /** Attempt `attempt` was definitely not applied (refused, or never sent): what it alone wrote can go. */
  refused?(attempt: number): Promise<void>;
  /** The change failed for good; an attempt may still land if `mayLand` (an outcome was unknown). */
  failed?(mayLand: boolean): Promise<void>;
}

export interface Committed {
  /** The table with the change (as the catalog answered, or as reloaded when the change was found there). */
  table: LoadedTable;
  /** Commit requests sent: 0 when the table already showed the change. */
  attempts: number;
}

const retryable = (error: unknown) =>
  error instanceof CommitFailedError || error instanceof CommitStateUnknownError;

/**
 * The commit loop: applies `change` to `table` and sends it, asserting the table's uuid besides the
 * change's own requirements. On a 409 (CommitFailed) or an unknown outcome (5xx, timeout) it reloads
 * the table, looks whether the change landed after all, and otherwise waits (exponential backoff with
 * jitter) and applies the change again to the table as it is then, at most `maxAttempts` times in all.
 * A table dropped and created again under the name is never changed.
 */
export async function commitChange(
  catalog: Catalog,
  table: LoadedTable,
  change: TableChange,
  options: RetryOptions = {},
): Promise<Committed> {
  const id = table.identifier;
  const uuid = table.metadata.tableUuid;
  const reload = async (): Promise<LoadedTable> => {
    const reloaded = await catalog.loadTable(id);
    if (reloaded.metadata.tableUuid !== uuid) {
      throw new Error(
        `${tableName(id)} was replaced by another table (uuid ${reloaded.metadata.tableUuid}) while ${change.what}`,
      );
    }
    return reloaded;
  };
  let current = table;
  let sawUnknown = false;
  try {
    return await retrying(options, retryable, async (attempt) => {
      if (attempt > 1) current = await reload();
      let commit: TableCommit | undefined;
      try {
        commit = await change.apply(current, attempt);
      } catch (error) {
        await change.refused?.(attempt);
        // Not the catalog's refusal, whatever its class: an apply that fails is not retried.
        throw retryable(error) ? new Error((error as Error).message, { cause: error }) : error;
      }
      if (commit === undefined) return { table: current, attempts: attempt - 1 };
      try {
        const requirements: TableRequirement[] = [
          { type: 'assert-table-uuid', uuid },
          ...commit.requirements,
        ];
        current = await catalog.updateTable(id, requirements, commit.updates);
        return { table: current, attempts: attempt };
      } catch (error) {
        if (!retryable(error)) {
          await change.refused?.(attempt);
          throw error;
        }
        const unknown = error instanceof CommitStateUnknownError;
        sawUnknown ||= unknown;
        // After an unknown outcome the request may still land, and with it what this attempt wrote.
        if (!unknown) await change.refused?.(attempt);
        // A 409 may follow our own earlier attempt whose answer was lost: look before retrying.
        if (change.landed !== undefined) {
          current = await reload();
          if (change.landed(current, sawUnknown)) return { table: current, attempts: attempt };
        }
        throw error;
      }
    });
  } catch (error) {
    await change.failed?.(sawUnknown);
    throw error;
  }
}
