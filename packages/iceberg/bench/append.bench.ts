// Benchmark (not a test): Arrow batches of a 10-column event schema to Parquet, and to a committed
// snapshot on the local stack's REST catalog and S3, next to pyiceberg's own table.append() of the
// same rows in the same run.
// Run: npm run bench -w packages/iceberg   Results: bench/results/iceberg-append-<date>.md
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { type RecordBatch, Table, tableToIPC } from 'apache-arrow';
import { loadStackEnv } from '../../../infra/local/env.mjs';
import {
  FastAppend,
  RestCatalog,
  rowsToArrow,
  S3FileIO,
  type TableIdentifier,
  TableWriter,
  writeParquetFile,
} from '../src/index';
import { eventRows, eventSchema, median, START_MICROS } from './events';

// The local stack's settings, unless the caller gave others.
Object.assign(process.env, { ...loadStackEnv(), ...process.env });
const env = process.env;

const ROWS = 1_000_000;
const BATCH_ROWS = 100_000;
const RUNS = 3;
const MB = 1_000_000;

const schema = eventSchema;

const eventsFrom = (from: number, count: number) =>
  eventRows(from, count, from, (i, r) => START_MICROS + BigInt(from + i) * 1_000n + BigInt(r % 1000));

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

const PYTHON_APPEND = `
import json, sys, time
import pyarrow as pa
import pyarrow.ipc as ipc
import pyiceberg, pyarrow
from pyiceberg.catalog.rest import RestCatalog
args = json.loads(sys.argv[1])
catalog = RestCatalog("bench", **args["props"])
with pa.memory_map(args["arrow_file"]) as source:
    data = ipc.open_file(source).read_all()
table = catalog.load_table(tuple(args["namespace"]) + (args["table"],))
data = data.cast(table.schema().as_arrow())
seconds = []
for _ in range(args["runs"]):
    start = time.perf_counter()
    table.append(data)
    seconds.append(time.perf_counter() - start)
snapshot = table.current_snapshot()
print(json.dumps({
    "seconds": seconds,
    "files_size": int(snapshot.summary["added-files-size"]),
    "files": int(snapshot.summary["added-data-files"]),
    "versions": {"pyiceberg": pyiceberg.__version__, "pyarrow": pyarrow.__version__, "python": sys.version.split()[0]},
}))
`;

interface PythonResult {
  seconds: number[];
  files_size: number;
  files: number;
  versions: Record<string, string>;
}

async function main() {
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
  const scratch = await mkdtemp(join(tmpdir(), 'floe-bench-'));
  const tables: TableIdentifier[] = [];
  let namespaceCreated = false;
  try {
    console.log(
      `generating ${ROWS.toLocaleString('en')} rows as Arrow batches of ${BATCH_ROWS.toLocaleString('en')}…`,
    );
    const batches: RecordBatch[] = [];
    for (let from = 0; from < ROWS; from += BATCH_ROWS)
      batches.push(rowsToArrow(schema, eventsFrom(from, BATCH_ROWS)));
    const arrowBytes = batches.reduce((n, b) => n + b.data.byteLength, 0);

    console.log('Floe: Arrow → Parquet (zstd, in memory)…');
    let parquetBytes = 0;
    const parquetSeconds: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      parquetSeconds.push(
        await timed(async () => {
          parquetBytes = (await writeParquetFile(schema, batches)).bytes.byteLength;
        }),
      );
    }

    await catalog.createNamespace(namespace);
    namespaceCreated = true;
    const create = async (name: string) => {
      await catalog.createTable(namespace, { name, schema });
      const id = { namespace, name };
      tables.push(id);
      return id;
    };

    console.log('Floe: Arrow → committed snapshot (FastAppend, REST catalog, S3)…');
    const floeTable = await create('floe_append');
    const commitSeconds: number[] = [];
    const writeSeconds: number[] = [];
    let floeFiles = 0;
    for (let run = 0; run < RUNS; run += 1) {
      commitSeconds.push(
        await timed(async () => {
          const append = await FastAppend.start(catalog, io, floeTable);
          // The split: data files written and uploaded, then manifest, manifest list and catalog commit.
          writeSeconds.push(
            await timed(async () => {
              const files = await new TableWriter(io, append.table).writeBatches(batches);
              append.addDataFiles(files);
              floeFiles = files.length;
            }),
          );
          await append.commit();
        }),
      );
    }

    console.log('pyiceberg: table.append() of the same rows…');
    const pyTable = await create('pyiceberg_append');
    const arrowFile = join(scratch, 'events.arrow');
    await writeFile(arrowFile, tableToIPC(new Table(batches), 'file'));
    const props = {
      uri: env.FLOE_ICEBERG_REST_URI,
      's3.endpoint': env.FLOE_S3_ENDPOINT,
      's3.access-key-id': credentials.accessKeyId,
      's3.secret-access-key': credentials.secretAccessKey,
      's3.region': env.FLOE_AWS_REGION,
      's3.force-virtual-addressing': 'false',
    };
    const { stdout } = await promisify(execFile)(
      env.FLOE_PYTHON as string,
      [
        '-c',
        PYTHON_APPEND,
        JSON.stringify({ props, namespace, table: pyTable.name, arrow_file: arrowFile, runs: RUNS }),
      ],
      { timeout: 600_000, maxBuffer: 16 * MB },
    );
    const python = JSON.parse(stdout) as PythonResult;

    const rate = (seconds: number) => (ROWS / seconds).toLocaleString('en', { maximumFractionDigits: 0 });
    const mbps = (bytes: number, seconds: number) => (bytes / MB / seconds).toFixed(1);
    const parquet = median(parquetSeconds);
    const floeCommit = median(commitSeconds);
    const pyCommit = median(python.seconds);
    const date = new Date().toISOString();
    const report = `# Iceberg append: Floe vs pyiceberg

- date: ${date}
- machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; Python ${python.versions.python}, pyiceberg ${python.versions.pyiceberg}, pyarrow ${python.versions.pyarrow}
- data: ${ROWS.toLocaleString('en')} rows of a 10-column event schema (2 longs, timestamptz, 5 strings, double, boolean), ${batches.length} Arrow batches, ${(arrowBytes / MB).toFixed(1)} MB in Arrow memory; the same rows for both (pyiceberg reads them from an Arrow IPC file, untimed)
- target: the local stack (Apache Iceberg REST catalog 1.10, moto S3 on loopback), unpartitioned table, zstd Parquet for both
- method: median of ${RUNS} runs each; Floe on one Node thread (parquet-wasm is single-threaded); pyiceberg times \`table.append()\` alone, inside Python (pyarrow may use more threads); other work shared the ${cpus().length} cores, so figures are indicative

| step | median s | rows/s | MB/s (Arrow in) | files | Parquet MB |
|---|---|---|---|---|---|
| Floe: Arrow → Parquet in memory (writeParquetFile, with metrics) | ${parquet.toFixed(2)} | ${rate(parquet)} | ${mbps(arrowBytes, parquet)} | 1 | ${(parquetBytes / MB).toFixed(1)} |
| Floe: Arrow → committed snapshot (TableWriter.writeBatches + FastAppend) | ${floeCommit.toFixed(2)} | ${rate(floeCommit)} | ${mbps(arrowBytes, floeCommit)} | ${floeFiles} | — |
| … of which writeBatches (Parquet, metrics, upload to S3) | ${median(writeSeconds).toFixed(2)} | | | | |
| pyiceberg: table.append() → committed snapshot | ${pyCommit.toFixed(2)} | ${rate(pyCommit)} | ${mbps(arrowBytes, pyCommit)} | ${python.files} | ${(python.files_size / MB).toFixed(1)} |

Ratio Floe / pyiceberg (throughput of a committed append): **${(pyCommit / floeCommit).toFixed(2)}×** (above 1: Floe is faster).

Runs (s): Floe Parquet ${parquetSeconds.map((s) => s.toFixed(2)).join(', ')}; Floe commit ${commitSeconds.map((s) => s.toFixed(2)).join(', ')} (writeBatches ${writeSeconds.map((s) => s.toFixed(2)).join(', ')}); pyiceberg ${python.seconds.map((s) => s.toFixed(2)).join(', ')}.
`;
    const file = resolve(
      import.meta.dirname,
      `../../../bench/results/iceberg-append-${date.slice(0, 10)}.md`,
    );
    await writeFile(file, report);
    console.log(report);
    console.log(`wrote ${file}`);
  } finally {
    for (const id of tables) {
      const { metadata } = await catalog.loadTable(id);
      await catalog.dropTable(id);
      for await (const f of io.list(`${metadata.location}/`)) await io.delete(f.location);
    }
    if (namespaceCreated) await catalog.dropNamespace(namespace);
    await rm(scratch, { recursive: true, force: true });
    io.close();
  }
}

await main();
