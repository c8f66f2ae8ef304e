import { currentSnapshot, type LoadedTable, liveFiles, setTag } from '@floe/iceberg';
import { scanWithPyiceberg } from '@floe/iceberg/testing';
import type { PipelineSpec } from '@floe/protocol';
import { expect } from 'vitest';
import { type OffsetMap, offsetsAt, tpKey } from '../commit/offsets';
import type { ValueDecoder } from '../decode/decoded';
import { SchemalessJsonDecoder } from '../decode/schemaless-json';
import { type OpenedPipeline, openPipeline } from '../pipeline/open-pipeline';
import { openTableAccess } from '../pipeline/table-access';
import { readWithIcebergJava } from './java-reader';
import { createTopic, testAwsCredentials, testCatalog, testKafka, waitForCommitted } from './stack';

// Test support for upsert and CDC pipelines on the local stack (not part of the package's surface).

/** A record as produced; in a fresh topic its offset is its place in its partition's list. */
export interface Produced<V extends string | Buffer = string> {
  key: string | null;
  value: V | null;
  partition: number;
}

/** A fresh topic whose records are kept, so a test can work out on its own what any offsets promise. */
export class ChangeTopic<V extends string | Buffer = string> {
  readonly produced: Produced<V>[][];
  private readonly producer = testKafka().producer();

  private constructor(
    readonly name: string,
    partitions: number,
  ) {
    this.produced = Array.from({ length: partitions }, () => []);
  }

  static async create<V extends string | Buffer = string>(
    name: string,
    partitions: number,
  ): Promise<ChangeTopic<V>> {
    await createTopic(testKafka(), name, partitions);
    const topic = new ChangeTopic<V>(name, partitions);
    await topic.producer.connect();
    return topic;
  }

  get total(): number {
    return this.produced.reduce((n, p) => n + p.length, 0);
  }

  async send(records: Produced<V>[]): Promise<void> {
    for (const r of records) this.produced[r.partition]?.push(r);
    await this.producer.send({ topic: this.name, messages: records });
  }

  /** Each partition's records below the offsets, in offset order. */
  below(offsets: OffsetMap): Produced<V>[][] {
    return this.produced.map((records, p) =>
      records.slice(0, Number(offsets.get(tpKey(this.name, p)) ?? 0n)),
    );
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}

const host = { resolveSecret: async () => '', awsCredentials: testAwsCredentials };

/** Opens and starts a pipeline on the stack (schemaless JSON unless another decoder is given). */
export async function startPipeline(
  spec: PipelineSpec,
  decoder: ValueDecoder = new SchemalessJsonDecoder(),
): Promise<OpenedPipeline> {
  const pipeline = await openPipeline(spec, { ...host, decoder });
  await pipeline.start();
  return pipeline;
}

export const waitForTopic = (spec: PipelineSpec, topic: ChangeTopic<string | Buffer>) =>
  waitForCommitted(testCatalog(), spec.table.namespace[0] as string, [spec.table.name], spec.id, topic.total);

/**
 * Reads every snapshot of the table with pyiceberg (tagged) and with the Iceberg Java reference reader:
 * its rows must be exactly what `expected` works out from the offsets in that snapshot's summary —
 * pyiceberg's as `row` makes them, Java's as the selected columns' text joined by ':'. Returns the last state.
 */
export async function expectEverySnapshotReadsRight(
  spec: PipelineSpec,
  select: string[],
  row: (r: Record<string, unknown>) => string,
  expected: (offsets: OffsetMap) => string[],
): Promise<string[]> {
  const catalog = testCatalog();
  const id = { namespace: spec.table.namespace, name: spec.table.name };
  const table = await catalog.loadTable(id);
  const withDeletes = table.metadata.snapshots.filter(
    (s) =>
      Number(s.summary['added-position-deletes'] ?? 0) + Number(s.summary['added-equality-deletes'] ?? 0) > 0,
  );
  // pyiceberg cannot read equality deletes (0.12 refuses the scan): the Java reader alone reads those tables.
  const byEquality = spec.changes.mode !== 'append' && spec.changes.deletes === 'equality-deletes';
  if (byEquality) {
    await expect(scanWithPyiceberg(id.namespace, id.name, { select })).rejects.toThrow(/equality deletes/);
  }
  expect(withDeletes.length).toBeGreaterThan(0);
  await expectDeletesAsChosen(spec, table);
  const java = await readWithIcebergJava(
    id.namespace,
    id.name,
    table.metadata.snapshots.map((s) => s.snapshotId),
    select,
  );
  for (const snapshot of table.metadata.snapshots) {
    const tag = `s${snapshot.snapshotId}`;
    await setTag(catalog, id, tag, snapshot.snapshotId);
    const want = expected(offsetsAt(table.metadata, snapshot, spec.id));
    if (!byEquality) {
      const scan = await scanWithPyiceberg(id.namespace, id.name, { ref: tag, select });
      expect(scan.rows.map(row).sort(), `pyiceberg, snapshot ${snapshot.snapshotId}`).toEqual(want);
    }
    const javaRows = (java.get(snapshot.snapshotId) ?? []).map((values) => values.join(':')).sort();
    expect(javaRows, `Iceberg Java, snapshot ${snapshot.snapshotId}`).toEqual(want);
  }
  return expected(offsetsAt(table.metadata, currentSnapshot(table.metadata), spec.id));
}

/**
 * The table holds its deletes as the spec chose: deletion vectors in a format v3 table (one per data
 * file at most), or Parquet position (and equality) delete files in a v2 one.
 */
async function expectDeletesAsChosen(spec: PipelineSpec, table: LoadedTable): Promise<void> {
  const vectors = spec.changes.mode !== 'append' && spec.changes.deletes === 'deletion-vectors';
  expect(table.metadata.formatVersion).toBe(vectors ? 3 : 2);
  const { io } = await openTableAccess(spec.table, host);
  try {
    const deletes = (await liveFiles(io, table.metadata)).filter((f) => f.file.content !== 0);
    // (None at all after a compaction that applied them.)
    for (const f of deletes) expect(f.file.fileFormat).toBe(vectors ? 'PUFFIN' : 'PARQUET');
    if (vectors) {
      const referenced = deletes.map((f) => f.file.referencedDataFile);
      expect(new Set(referenced).size, 'one deletion vector per data file').toBe(referenced.length);
    }
  } finally {
    io.close();
  }
}
