// Benchmark (not a test), `npm run bench:key-index -w @floe/ingest` (node --expose-gc through tsx).
// The upsert key index at FLOE_BENCH_KEY_COUNTS keys (default 100,000 and 1,000,000), keys as an
// upsert table keyed by a long column makes them:
// - memory: bytes per key of the index (typed arrays and key bytes, what `bytes` reports, and the
//   process's heap + array buffers grown by filling it), beside a Map of key → number (the index's
//   previous design) filled with the same keys;
// - from a table: a format v3 table of that many keys in files of 100,000 rows, 10% of them updated
//   by one row delta (deletion vectors); the time to build the index from it (an agent's start, or
//   before this change a conflict with a compaction), the stored index's size and the time to read it
//   back (a start with it), then a compaction, and the time to catch up
//   across it (what a conflict with a compaction now costs) against building again.
// Results: bench/results/key-index-<date>.{json,md}.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  compactTable,
  type DataFile,
  FastAppend,
  newSchema,
  optional,
  RowDelta,
  required,
  T,
  TableWriter,
} from '@floe/iceberg';
import { KeyColumns } from '../src/changes/change-key';
import { KeyIndex } from '../src/changes/key-index';
import { loadKeyIndex, saveKeyIndex } from '../src/changes/key-index-store';
import { machine as machineName } from './proc';
import { stackCatalog, stackIO } from './stack';

const COUNTS = (process.env.FLOE_BENCH_KEY_COUNTS ?? '100000,1000000').split(',').map(Number);
const FILE_ROWS = 100_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench:key-index does)');

const catalog = stackCatalog();
const io = stackIO();
const schema = newSchema([required('id', T.long), optional('v', T.string)], { identifierFields: ['id'] });
const keys = new KeyColumns(schema, ['id'], 'key index bench');

/** Heap and array buffers in use after a full collection. */
function used(): number {
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function timed<T>(work: () => T): { value: T; s: number; cpuS: number } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = work();
  const spent = process.cpuUsage(cpu);
  return { value, s: (performance.now() - start) / 1000, cpuS: (spent.user + spent.system) / 1e6 };
}

async function timedAsync<T>(work: () => Promise<T>): Promise<{ value: T; s: number; cpuS: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await work();
  const spent = process.cpuUsage(cpu);
  return { value, s: (performance.now() - start) / 1000, cpuS: (spent.user + spent.system) / 1e6 };
}

/** Memory per key: the index, and a Map of the same keys, each filled on its own. */
function memory(count: number) {
  const files = Array.from(
    { length: Math.ceil(count / FILE_ROWS) },
    (_, i) => ({ filePath: `s3://bench/data/${i}.parquet` }) as DataFile,
  );
  const before = used();
  const filled = timed(() => {
    const index = KeyIndex.empty(undefined);
    for (let id = 0; id < count; id += 1) {
      index.add(String(id), {
        file: files[Math.floor(id / FILE_ROWS)] as DataFile,
        pos: BigInt(id % FILE_ROWS),
      });
    }
    return index;
  });
  const indexBytes = used() - before;
  const index = filled.value;
  const beforeMap = used();
  const map = new Map<string, number>();
  for (let id = 0; id < count; id += 1)
    map.set(String(id), Math.floor(id / FILE_ROWS) * 2 ** 32 + (id % FILE_ROWS));
  const mapBytes = used() - beforeMap;
  const result = {
    index_bytes_per_key: +(index.bytes / count).toFixed(1),
    index_process_bytes_per_key: +(indexBytes / count).toFixed(1),
    map_process_bytes_per_key: +(mapBytes / count).toFixed(1),
    fill_s: +filled.s.toFixed(2),
  };
  // Both stay reachable until measured.
  if (index.size !== map.size) throw new Error('the index and the map disagree');
  return result;
}

/** A v3 table of `count` keys, 10% updated by one row delta; the index built from it, and caught up across a compaction. */
async function fromTable(count: number) {
  const namespace = [`bench_key_index_${Math.random().toString(16).slice(2, 10)}`];
  await catalog.createNamespace(namespace);
  const id = { namespace, name: `keys_${count}` };
  await catalog.createTable(namespace, { name: id.name, schema, properties: { 'format-version': '3' } });
  const append = await FastAppend.start(catalog, io, id);
  const writer = new TableWriter(io, append.table);
  const files: DataFile[] = [];
  for (let from = 0; from < count; from += FILE_ROWS) {
    const rows = Array.from({ length: Math.min(FILE_ROWS, count - from) }, (_, i) => ({
      id: BigInt(from + i),
      v: 'v1',
    }));
    files.push(...(await writer.writeRows(rows)));
  }
  append.addDataFiles(files);
  await append.commit();
  // Every tenth key updated: its row deleted by a vector, a new row written.
  const delta = await RowDelta.start(catalog, io, await catalog.loadTable(id));
  const deltaWriter = new TableWriter(io, delta.table);
  const updated: number[] = [];
  for (let k = 0; k < count; k += 10) updated.push(k);
  delta.addDeletes(
    await deltaWriter.deletePositions(
      files.map((dataFile, f) => ({
        dataFile,
        positions: updated.filter((k) => Math.floor(k / FILE_ROWS) === f).map((k) => BigInt(k % FILE_ROWS)),
      })),
      undefined,
      delta.planned,
    ),
  );
  delta.addDataFiles(await deltaWriter.writeRows(updated.map((k) => ({ id: BigInt(k), v: 'v2' }))));
  await delta.commit();

  const table = await catalog.loadTable(id);
  const before = used();
  const built = await timedAsync(() => KeyIndex.build(io, table, keys));
  const builtBytes = used() - before;
  if (built.value.size !== count) throw new Error(`built ${built.value.size} keys of ${count}`);
  // What a start costs with the index stored beside the table: one object read instead of every key.
  const bytes = built.value.serialize(keys.names);
  const snapshotId = table.metadata.currentSnapshotId as bigint;
  await saveKeyIndex(io, table.metadata.location, snapshotId, bytes);
  const loaded = await timedAsync(() => loadKeyIndex(io, table, keys));
  if (loaded.value?.size !== count) throw new Error('the stored index did not load');
  const compaction = await compactTable(catalog, io, id);
  const compacted = await catalog.loadTable(id);
  const caught = await timedAsync(() => built.value.catchUp(io, compacted, keys));
  if (!caught.value) throw new Error('the index could not catch up across the compaction');
  const rebuilt = await timedAsync(() => KeyIndex.build(io, compacted, keys));
  for (const k of [0, 1, count - 1]) {
    const [a, b] = [built.value, rebuilt.value].map((i) =>
      i.locations(String(k)).map((l) => `${l.file.filePath}#${l.pos}`),
    );
    if (JSON.stringify(a) !== JSON.stringify(b))
      throw new Error(`key ${k}: caught up at ${a}, built at ${b}`);
  }
  for (const t of await catalog.listTables(namespace)) await catalog.dropTable(t);
  return {
    data_files: files.length + 1,
    stored_mib: +(bytes.length / 2 ** 20).toFixed(1),
    load_s: +loaded.s.toFixed(2),
    load_cpu_s: +loaded.cpuS.toFixed(2),
    build_s: +built.s.toFixed(2),
    build_cpu_s: +built.cpuS.toFixed(2),
    built_process_bytes_per_key: +(builtBytes / count).toFixed(1),
    compaction_s: +(compaction.durationMs / 1000).toFixed(2),
    catch_up_s: +caught.s.toFixed(2),
    catch_up_cpu_s: +caught.cpuS.toFixed(2),
    rebuild_after_compaction_s: +rebuilt.s.toFixed(2),
    rebuild_after_compaction_cpu_s: +rebuilt.cpuS.toFixed(2),
  };
}

const results = [];
for (const count of COUNTS) {
  console.log(`${count} keys: memory…`);
  const mem = memory(count);
  console.log(`${count} keys: a table, the index built from it, a compaction, the catch-up…`);
  results.push({ keys: count, ...mem, ...(await fromTable(count)) });
}
io.close();

const date = new Date().toISOString().slice(0, 10);
const machine = machineName();
const rows = results
  .map(
    (r) =>
      `| ${r.keys} | ${r.index_bytes_per_key} | ${r.index_process_bytes_per_key} | ${r.map_process_bytes_per_key} | ${r.data_files} | ${r.build_s} (${r.build_cpu_s} CPU) | ${r.stored_mib} | ${r.load_s} (${r.load_cpu_s} CPU) | ${r.compaction_s} | ${r.catch_up_s} (${r.catch_up_cpu_s} CPU) | ${r.rebuild_after_compaction_s} (${r.rebuild_after_compaction_cpu_s} CPU) |`,
  )
  .join('\n');
const md = `# Upsert key index, ${date}

- machine: ${machine}; local stack (REST catalog, moto S3) on the same machine
- keys as an upsert table keyed by one long column makes them (\`"0"\` … \`"999999"\`); files of ${FILE_ROWS} rows
- bytes per key: \`index\` is what the index holds in typed arrays (slots and key bytes); \`process\` is
  the heap + array buffers grown by filling it (after a full GC), beside a \`Map<string, number>\` of
  the same keys (the previous index design's main map)
- build: \`KeyIndex.build\` on a format v3 table whose keys are all live, 10% of them updated by one row
  delta (deletion vectors); the index stored beside the table and read back (\`loadKeyIndex\`, an
  agent's start when the stored index is of the current snapshot); then Floe's compaction, and the index brought across it by \`catchUp\`
  (reads the compacted file's key column and moves each key) against building it again

| keys | index bytes/key | process bytes/key | Map bytes/key | data files | build s | stored MiB | load stored s | compaction s | catch-up s | build again s |
|---|---|---|---|---|---|---|---|---|---|---|
${rows}
`;
const dir = resolve(import.meta.dirname, '../../../bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, `key-index-${date}.json`),
  `${JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2)}\n`,
);
writeFileSync(join(dir, `key-index-${date}.md`), md);
console.log(md);
