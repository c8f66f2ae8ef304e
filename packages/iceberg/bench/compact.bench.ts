// Benchmark (not a test): a day-partitioned table of a 10-column event schema made of many small
// appends, as streaming ingestion with a 1 s commit interval leaves it, then Floe's compaction of it,
// with pyiceberg's planning and full-read times before and after, in the same run.
// Run: npm run bench -w packages/iceberg   Results: bench/results/iceberg-compact-<date>.md
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadStackEnv } from '../../../infra/local/env.mjs';
import { type TimedPyicebergScan, timeScanWithPyiceberg } from '../src/catalog/rest/pyiceberg';
import {
  type CompactionResult,
  currentSnapshot,
  FastAppend,
  type FileInfo,
  type FileIO,
  liveDataFiles,
  PartitionSpecBuilder,
  planCompaction,
  RestCatalog,
  type Row,
  readManifestList,
  rowsToArrow,
  runCompaction,
  S3FileIO,
  type TableIdentifier,
  TableWriter,
} from '../src/index';
import { eventRows, eventSchema, median, START_MICROS } from './events';

// The local stack's settings, unless the caller gave others.
Object.assign(process.env, { ...loadStackEnv(), ...process.env });
const env = process.env;

const APPENDS = 300;
const ROWS_PER_APPEND = 2_000;
const DAYS = 3;
const ROWS = APPENDS * ROWS_PER_APPEND;
// About 2 MB of compacted Parquet per day partition: a target that cuts each into a few files, so the
// writer's sizing shows. Tables of real streams would use the 128 MiB default.
const TARGET_BYTES = 512 * 1024;
const RUNS = 3;
const MB = 1_000_000;

const schema = eventSchema;
const partitionSpec = new PartitionSpecBuilder(schema).day('event_ts').build();

const DAY_MICROS = 86_400_000_000n;
// Each append covers its own slice of one day, so its rows fall in one partition, as a commit does.
const SLOT_MICROS = DAY_MICROS / BigInt(APPENDS / DAYS);
const ROW_MICROS = SLOT_MICROS / BigInt(ROWS_PER_APPEND);

// The rows of append `k` (its own seed, so every run writes the same data).
function appendRows(k: number): Row[] {
  const slotStart =
    START_MICROS +
    BigInt(Math.floor(k / (APPENDS / DAYS))) * DAY_MICROS +
    BigInt(k % (APPENDS / DAYS)) * SLOT_MICROS;
  return eventRows(
    k,
    ROWS_PER_APPEND,
    k * ROWS_PER_APPEND,
    (i, r) => slotStart + BigInt(i) * ROW_MICROS + (BigInt(r) % ROW_MICROS),
  );
}

interface Traffic {
  count: number;
  bytes: number;
  seconds: number;
}

interface CompactionRun {
  result: CompactionResult;
  planningMs: number;
  seconds: number;
  cpuSeconds: number;
  traffic: Map<string, Traffic>;
}

/** Counts object-store reads and writes by kind of file, to see where a compaction's time goes. */
class CountingIO implements FileIO {
  readonly traffic = new Map<string, Traffic>();
  constructor(private readonly inner: FileIO) {}

  read(location: string): Promise<Uint8Array> {
    return this.count(
      'read',
      location,
      () => this.inner.read(location),
      (bytes) => bytes.byteLength,
    );
  }
  write(location: string, body: Uint8Array): Promise<void> {
    return this.count(
      'write',
      location,
      () => this.inner.write(location, body),
      () => body.byteLength,
    );
  }
  exists(location: string): Promise<boolean> {
    return this.inner.exists(location);
  }
  delete(location: string): Promise<void> {
    return this.inner.delete(location);
  }
  list(prefix: string): AsyncIterable<FileInfo> {
    return this.inner.list(prefix);
  }

  private async count<R>(op: string, location: string, run: () => Promise<R>, size: (r: R) => number) {
    const start = performance.now();
    const result = await run();
    const key = `${op} ${location.slice(location.lastIndexOf('.') + 1)}`;
    const t = this.traffic.get(key) ?? { count: 0, bytes: 0, seconds: 0 };
    this.traffic.set(key, {
      count: t.count + 1,
      bytes: t.bytes + size(result),
      seconds: t.seconds + (performance.now() - start) / 1000,
    });
    return result;
  }
}

async function main() {
  // Other work on the machine stretches wall times; the report says how busy it was.
  const loadAtStart = loadavg()[0] as number;
  const catalog = new RestCatalog({ uri: env.FLOE_ICEBERG_REST_URI as string });
  const credentials = {
    accessKeyId: env.FLOE_AWS_ACCESS_KEY_ID as string,
    secretAccessKey: env.FLOE_AWS_SECRET_ACCESS_KEY as string,
  };
  const io = new S3FileIO({
    region: env.FLOE_AWS_REGION as string,
    endpoint: env.FLOE_S3_ENDPOINT,
    credentials,
  });
  const namespace = [`floe_bench_${randomBytes(4).toString('hex')}`];
  const id: TableIdentifier = { namespace, name: 'events' };
  let namespaceCreated = false;
  let tableCreated = false;
  const scan = () => timeScanWithPyiceberg(namespace, id.name, { runs: RUNS, sums: ['event_id', 'user_id'] });
  // The live data files and the manifests of the current snapshot.
  const shape = async () => {
    const { metadata } = await catalog.loadTable(id);
    const files = await liveDataFiles(io, metadata);
    const manifests = readManifestList(await io.read(currentSnapshot(metadata)?.manifestList as string));
    // Sizes by partition (the day), in the order the manifests list them.
    const byDay = new Map<string, number[]>();
    for (const f of files) {
      const day = String(f.file.partition[0]);
      byDay.set(day, [...(byDay.get(day) ?? []), Number(f.file.fileSizeInBytes)]);
    }
    return {
      sizes: files.map((f) => Number(f.file.fileSizeInBytes)),
      byDay,
      manifests: manifests.length,
      liveManifests: manifests.filter((m) => m.addedFilesCount + m.existingFilesCount > 0).length,
    };
  };
  try {
    await catalog.createNamespace(namespace);
    namespaceCreated = true;
    await catalog.createTable(namespace, { name: id.name, schema, partitionSpec });
    tableCreated = true;

    console.log(`ingesting: ${APPENDS} FastAppends of ${ROWS_PER_APPEND.toLocaleString('en')} rows…`);
    const ingestStart = performance.now();
    for (let k = 0; k < APPENDS; k += 1) {
      const append = await FastAppend.start(catalog, io, id);
      append.addDataFiles(
        await new TableWriter(io, append.table).writeBatches([rowsToArrow(schema, appendRows(k))]),
      );
      await append.commit();
    }
    const ingestSeconds = (performance.now() - ingestStart) / 1000;
    const shapeBefore = await shape();
    const sizesBefore = shapeBefore.sizes;

    console.log('pyiceberg: plan and read before compaction…');
    const before = await scan();

    // Rolling main back to the pre-compaction snapshot lets each run rewrite the same small files.
    const smallSnapshot = currentSnapshot((await catalog.loadTable(id)).metadata)?.snapshotId as bigint;
    const runs: CompactionRun[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      if (run > 0) {
        const compacted = runs[run - 1]?.result.snapshotId as bigint;
        await catalog.updateTable(
          id,
          [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: compacted }],
          [
            {
              action: 'set-snapshot-ref',
              refName: 'main',
              ref: { snapshotId: smallSnapshot, type: 'branch' },
            },
          ],
        );
      }
      console.log(`Floe: compaction, run ${run + 1} of ${RUNS}…`);
      const counting = new CountingIO(io);
      const cpu = process.cpuUsage();
      const start = performance.now();
      const plan = await planCompaction(catalog, counting, id, { targetFileSizeBytes: TARGET_BYTES });
      const result = await runCompaction(catalog, counting, plan);
      const seconds = (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      runs.push({
        traffic: counting.traffic,
        result,
        planningMs: plan.planningMs,
        seconds,
        cpuSeconds: (used.user + used.system) / 1e6,
      });
    }
    const shapeAfter = await shape();
    const sizesAfter = shapeAfter.sizes;

    console.log('pyiceberg: plan and read after compaction…');
    const after = await scan();

    const expectedSumEventId = ((BigInt(ROWS) * BigInt(ROWS - 1)) / 2n).toString();
    const hash = (s: TimedPyicebergScan) =>
      `${s.rows} rows, Σ event_id ${s.sums.event_id}, Σ user_id ${s.sums.user_id}`;
    const same =
      before.rows === ROWS && before.sums.event_id === expectedSumEventId && hash(before) === hash(after);

    const middle = [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(RUNS / 2)] as CompactionRun;
    const r = middle.result;
    const mbRewritten = r.bytesRewritten / MB;
    const total = (sizes: number[]) => sizes.reduce((n, s) => n + s, 0);
    // Share of bytes in files within ±25% of the target size.
    const nearTarget = (sizes: number[]) =>
      total(sizes.filter((s) => Math.abs(s - TARGET_BYTES) <= TARGET_BYTES / 4)) / total(sizes);
    const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
    const kb = (sizes: number[]) =>
      `${(Math.min(...sizes) / 1024).toFixed(0)}–${(Math.max(...sizes) / 1024).toFixed(0)} KiB`;
    const dayName = (day: string) => new Date(Number(day) * 86_400_000).toISOString().slice(0, 10);
    const s = (values: number[]) => values.map((v) => v.toFixed(2)).join(', ');
    const ratio = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(1);
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
    const v = before.versions;
    const date = new Date().toISOString();
    const report = `# Iceberg compaction: Floe, with pyiceberg reading before and after

- date: ${date}
- machine: ${machine}; Python ${v.python}, pyiceberg ${v.pyiceberg}, pyarrow ${v.pyarrow}
- data: ${ROWS.toLocaleString('en')} rows of a 10-column event schema (2 longs, timestamptz, 5 strings, double, boolean), partitioned by day(event_ts) over ${DAYS} days, written as ${APPENDS} FastAppends of ${ROWS_PER_APPEND.toLocaleString('en')} rows (one file and one snapshot each, as streaming ingestion with a 1 s commit interval leaves a table; ingest took ${ingestSeconds.toFixed(0)} s)
- compaction: planCompaction + runCompaction (what compactTable does), target file size ${TARGET_BYTES / 1024} KiB, chosen to cut each ~2 MB day into a few files (the 128 MiB default would make one file a day); small files are those below 75% of it
- target: the local stack (Apache Iceberg REST catalog 1.10, moto S3 on loopback), zstd Parquet
- method: median of ${RUNS} runs each; each compaction run starts from the same ${APPENDS}-file snapshot (main rolled back to it between runs); Floe runs on one Node thread, "per core" divides by the process's CPU seconds (user + system, all its threads); pyiceberg loads the table afresh for every run and may use several threads; other work shared the ${cpus().length} cores (1-minute load average ${loadAtStart.toFixed(1)} at the start), so wall times are indicative

## Compaction (Floe)

| measure | value |
|---|---|
| files before → after | ${r.filesBefore} → ${r.filesAfter} (${r.filesRewritten} rewritten into ${r.filesWritten}, ${r.partitionsTouched} partitions) |
| bytes before → after | ${(total(sizesBefore) / MB).toFixed(1)} MB → ${(total(sizesAfter) / MB).toFixed(1)} MB (${mbRewritten.toFixed(1)} MB rewritten into ${(r.bytesWritten / MB).toFixed(1)} MB) |
| file sizes before → after | ${kb(sizesBefore)} → ${kb(sizesAfter)} |
| manifests in the snapshot before → after (with live files) | ${shapeBefore.manifests} (${shapeBefore.liveManifests}) → ${shapeAfter.manifests} (${shapeAfter.liveManifests}) |
| bytes in files within 25% of the ${TARGET_BYTES / 1024} KiB target, before → after | ${pct(nearTarget(sizesBefore))} → ${pct(nearTarget(sizesAfter))} |
| wall time (median run) | ${middle.seconds.toFixed(2)} s, of which planning ${(middle.planningMs / 1000).toFixed(2)} s |
| rewritten, wall clock | ${(mbRewritten / middle.seconds).toFixed(2)} MB/s, ${Math.round(r.rowsRewritten / middle.seconds).toLocaleString('en')} rows/s |
| rewritten, per core (per CPU second of the Node process) | ${(mbRewritten / middle.cpuSeconds).toFixed(2)} MB/s, ${Math.round(r.rowsRewritten / middle.cpuSeconds).toLocaleString('en')} rows/s (${(middle.cpuSeconds / middle.seconds).toFixed(2)} cores busy on average) |
| commit attempts | ${r.attempts} |

Runs: wall ${s(runs.map((x) => x.seconds))} s; CPU ${s(runs.map((x) => x.cpuSeconds))} s; planning ${s(runs.map((x) => x.planningMs / 1000))} s.

Sizes written, KiB, per day in manifest order: ${[...shapeAfter.byDay]
      .map(([day, sizes]) => `${dayName(day)}: ${sizes.map((b) => (b / 1024).toFixed(0)).join(', ')}`)
      .join('; ')}.

Object-store traffic of the median run (latency summed over calls, which may overlap):

| calls | count | MB | summed s |
|---|---|---|---|
${[...middle.traffic]
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([key, t]) => `| ${key} | ${t.count} | ${(t.bytes / MB).toFixed(2)} | ${t.seconds.toFixed(2)} |`)
  .join('\n')}

## Reading with pyiceberg (${RUNS} runs each)

| measure | before | after | before / after |
|---|---|---|---|
| scan tasks (files) | ${before.tasks} | ${after.tasks} | ${(before.tasks / after.tasks).toFixed(1)} |
| \`scan().plan_files()\`, median s | ${median(before.plan).toFixed(2)} | ${median(after.plan).toFixed(2)} | ${ratio(before.plan, after.plan)}× |
| \`scan().to_arrow()\` (plans again), median s | ${median(before.read).toFixed(2)} | ${median(after.read).toFixed(2)} | ${ratio(before.read, after.read)}× |
| rows/s read | ${Math.round(before.rows / median(before.read)).toLocaleString('en')} | ${Math.round(after.rows / median(after.read)).toLocaleString('en')} | |

Runs (s): before plan ${s(before.plan)}, read ${s(before.read)}; after plan ${s(after.plan)}, read ${s(after.read)}.

Content: before ${hash(before)}; after ${hash(after)}; expected ${ROWS} rows, Σ event_id ${expectedSumEventId}: **${same ? 'equal' : 'DIFFERENT'}**.
`;
    const file = resolve(
      import.meta.dirname,
      `../../../bench/results/iceberg-compact-${date.slice(0, 10)}.md`,
    );
    await writeFile(file, report);
    console.log(report);
    console.log(`wrote ${file}`);
    if (!same) process.exitCode = 1;
  } finally {
    if (tableCreated) {
      const { metadata } = await catalog.loadTable(id);
      await catalog.dropTable(id);
      for await (const f of io.list(`${metadata.location}/`)) await io.delete(f.location);
    }
    if (namespaceCreated) await catalog.dropNamespace(namespace);
    io.close();
  }
}

await main();
