import { branchHead, removeRef, retrying } from '@floe/iceberg';
import type { PipelineSpec } from '@floe/protocol';
import { type OffsetMap, tableOffsets } from '../commit/offsets';
import { openTableAccess } from '../pipeline/table-access';
import { Backfill, type BackfillHost, backfillBranch } from './backfill-runner';
import { type BackfillValidation, validateBackfill } from './validate';

/** The branch does not validate: nothing was published. */
export class CutoverRefusedError extends Error {
  override name = 'CutoverRefused';
  constructor(
    message: string,
    readonly validation: BackfillValidation,
  ) {
    super(message);
  }
}

export interface CutoverOutcome {
  /** Main's head now: the branch's head with the live pipeline's offsets. */
  snapshotId: bigint;
  /** Main's head before. */
  replacedSnapshotId: bigint | null;
  cutoverAtMs: number;
  /** Where the live pipeline resumes. */
  offsets: OffsetMap;
  validation: BackfillValidation;
  attempts: number;
}

const CUTOVER_RETRY = { maxAttempts: 3 };

/**
 * Publishes backfill `backfillId` as the pipeline's table. The live pipeline is paused (`pauseLive`
 * stops it, having committed what it held, and gives back what starts it again); the branch catches
 * up with what the live table holds past the range, is validated, and replaces main in one catalog
 * commit whose snapshot carries the live pipeline's offsets; the branch ref goes. Readers see the old
 * main or the new one, nothing between. When main moved in between (a writer elsewhere), the branch
 * catches up again.
 */
export async function cutover(
  spec: PipelineSpec,
  backfillId: string,
  host: BackfillHost,
  pauseLive: () => Promise<() => Promise<void>>,
): Promise<CutoverOutcome> {
  const { catalog, io } = await openTableAccess(spec.table, host);
  const id = { namespace: spec.table.namespace, name: spec.table.name };
  const backfill = await Backfill.open(spec, { backfillId, start: 'earliest', end: 'now' }, host);
  const range = await backfill.prepare();
  const resume = await pauseLive();
  // Only a publish refused because main moved (a writer elsewhere) is worth another catch-up.
  let mainMoved = false;
  try {
    return await retrying(
      CUTOVER_RETRY,
      () => mainMoved,
      async (attempt) => {
        mainMoved = false;
        const live = (await catalog.loadTable(id)).metadata;
        const liveHead = branchHead(live, 'main');
        backfill.extendTo(tableOffsets(live, spec.id));
        await backfill.run();
        const validation = await validateBackfill(catalog, io, id, backfillId);
        if (!validation.ok)
          throw new CutoverRefusedError(
            `backfill ${backfillId} does not validate; main is untouched: ${problems(validation)}`,
            validation,
          );
        // The live pipeline goes on from the end of what the table then holds.
        const offsets = new Map(range.end);
        try {
          const snapshotId = await backfill.publish(liveHead?.snapshotId ?? null, spec.id, offsets);
          await removeRef(catalog, id, backfillBranch(backfillId));
          return {
            snapshotId,
            replacedSnapshotId: liveHead?.snapshotId ?? null,
            cutoverAtMs: Date.now(),
            offsets,
            validation,
            attempts: attempt,
          };
        } catch (error) {
          const moved = branchHead((await catalog.loadTable(id)).metadata, 'main');
          mainMoved = moved?.snapshotId !== liveHead?.snapshotId;
          throw error;
        }
      },
    );
  } finally {
    await resume();
  }
}

/** Drops the backfill's branch; main is as it was. Its snapshots go with the next snapshot expiry. */
export async function abortBackfill(
  spec: PipelineSpec,
  backfillId: string,
  host: BackfillHost,
): Promise<void> {
  const { catalog } = await openTableAccess(spec.table, host);
  await removeRef(
    catalog,
    { namespace: spec.table.namespace, name: spec.table.name },
    backfillBranch(backfillId),
  );
}

function problems(validation: BackfillValidation): string {
  const partitions = validation.partitions
    .filter((p) => !p.ok)
    .map(
      (p) =>
        `${p.topic}:${p.partition} holds ${p.rows} rows for ${p.offsets} offsets and ${p.deadLetters} dead letters (${p.duplicates} twice, ${p.outsideRange} outside the range)`,
    );
  return [...partitions, ...validation.schemaProblems].join('; ');
}
