// `npm run bench:fanin`: a simulation of a pool's commits against the local stack's REST catalog and
// object store, no Kafka and no agents. MEMBERS members each own one partition; in every interval
// member i's files are ready at i/MEMBERS of the way through it (members flush on their own timers).
// - per-member: each member commits its files for itself as soon as they are ready (a FastAppend
//   carrying its partition's offset, chained onto the table's as the per-member commit does), all
//   members concurrently, each through the commit loop with its default retry policy;
// - pooled: one committer commits every member's hand-over that is ready in one append at the end of
//   each interval (`commitHandovers`, the pooled committer's own commit).
// The data files are metadata only: every member's entry points at the one small Parquet file the
// table's TableWriter wrote at the start (the commits, not the uploads, are what is measured).
// Per mode: snapshots, commit requests refused with 409 (CommitFailed) or of unknown outcome (counted
// at the catalog client), retries, commits that gave up, latency from "files ready" to committed,
// wall time and the growth of the table's metadata (metadata.json, manifest lists, manifests).
// Writes bench/results/fanin-<date>.{json,md}. Not a test: the catalog shares this machine's cores.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import {
  type Catalog,
  CommitFailedError,
  CommitStateUnknownError,
  type DataFile,
  FastAppend,
  type FileIO,
  newSchema,
  optional,
  required,
  T,
  type TableIdentifier,
  TableWriter,
} from '@floe/iceberg';
import { carriedOffsets, encodeOffsets, offsetsKey, tableOffsets, tpKey } from '../src/commit/offsets';
import { commitHandovers, type Received } from '../src/commit/pooled-committer';
import { chainRanges, FencedError } from '../src/commit/table-commit';
import { machine } from './proc';
import { stackCatalog, stackIO } from './stack';

const env = process.env;
const MEMBERS = Number(env.FLOE_BENCH_MEMBERS ?? 64);
const INTERVALS = Number(env.FLOE_BENCH_INTERVALS ?? 10);
const INTERVAL_MS = 1000;
const RECORDS = 100; // per member per interval, as its offset range says
const TOPIC = 'fanin';
const bench = Math.random().toString(16).slice(2, 8);
const schema = newSchema([required('id', T.long), optional('v', T.string)]);
const io = stackIO();
const sleepUntil = (atMs: number) => new Promise((r) => setTimeout(r, Math.max(0, atMs - Date.now())));
const readyAt = (start: number, interval: number, member: number) =>
  start + interval * INTERVAL_MS + (member * INTERVAL_MS) / MEMBERS;

/** The stack's catalog, counting the answers to commit requests. */
function countingCatalog() {
  const counts = { sent: 0, conflicts: 0, unknown: 0 };
  const catalog = stackCatalog();
  const counting: Catalog = Object.create(catalog);
  counting.updateTable = async (...args) => {
    counts.sent += 1;
    try {
      return await catalog.updateTable(...args);
    } catch (error) {
      if (error instanceof CommitFailedError) counts.conflicts += 1;
      if (error instanceof CommitStateUnknownError) counts.unknown += 1;
      throw error;
    }
  };
  return { catalog: counting, counts };
}

/** Bytes of the table's metadata: metadata.json files, manifest lists and manifests. */
async function metadataBytes(io: FileIO, location: string): Promise<number> {
  let bytes = 0;
  for await (const file of io.list(`${location}/metadata/`)) bytes += file.size;
  return bytes;
}

/** A new table and the entry of the one small data file written into it. */
async function newTable(catalog: Catalog, mode: string): Promise<{ id: TableIdentifier; file: DataFile }> {
  const namespace = [`bench_fanin_${bench}_${mode.replace('-', '_')}`];
  await catalog.createNamespace(namespace);
  const table = await catalog.createTable(namespace, { name: 'events', schema });
  const rows = Array.from({ length: RECORDS }, (_, i) => ({ id: BigInt(i), v: 'fan-in' }));
  const [file] = await new TableWriter(io, table).writeRows(rows);
  return { id: table.identifier, file: file as DataFile };
}

interface Pending {
  from: bigint | undefined;
  to: bigint;
  files: DataFile[];
  readyAt: number[];
}

const pipelineId = `fanin-${bench}`;
const key = (member: number) => tpKey(TOPIC, member);

/** Each member commits its own files as soon as they are ready, all members at once. */
async function perMember(catalog: Catalog, id: TableIdentifier, file: DataFile, start: number) {
  const latencies: number[] = [];
  let snapshots = 0;
  let gaveUp = 0;
  await Promise.all(
    Array.from({ length: MEMBERS }, async (_, member) => {
      let pending: Pending = { from: undefined, to: 0n, files: [], readyAt: [] };
      for (let interval = 0; interval < INTERVALS; interval += 1) {
        const ready = readyAt(start, interval, member);
        await sleepUntil(ready);
        pending = { ...pending, to: pending.to + BigInt(RECORDS), files: [...pending.files, file] };
        pending.readyAt.push(ready);
        const range = { key: key(member), from: pending.from, to: pending.to };
        try {
          const append = await FastAppend.start(catalog, io, id, {
            summary: (parent, metadata) => {
              const offsets = chainRanges(tableOffsets(metadata, pipelineId), [range]);
              if (!(offsets instanceof Map)) throw new FencedError(`${range.key} moved`);
              return { ...carriedOffsets(parent), [offsetsKey(pipelineId)]: encodeOffsets(offsets) };
            },
          });
          append.addDataFiles(pending.files);
          await append.commit();
          snapshots += 1;
          for (const at of pending.readyAt) latencies.push(Date.now() - at);
          pending = { from: pending.to, to: pending.to, files: [], readyAt: [] };
        } catch {
          gaveUp += 1; // the member keeps its files and range and commits them with its next ones
        }
      }
    }),
  );
  return { snapshots, gaveUp, latencies };
}

/** One committer commits the hand-overs ready by the end of each interval in one append. */
async function pooled(catalog: Catalog, id: TableIdentifier, file: DataFile, start: number) {
  const latencies: number[] = [];
  let snapshots = 0;
  let gaveUp = 0;
  let refused = 0;
  const committed: (bigint | undefined)[] = Array.from({ length: MEMBERS }, () => undefined);
  let received: (Received & { readyAt: number })[] = [];
  const access = { catalog, io, id, pipelineId, stages: undefined, maxCommitAttempts: undefined };
  for (let interval = 0; interval < INTERVALS; interval += 1) {
    await sleepUntil(start + (interval + 1) * INTERVAL_MS);
    for (let member = 0; member < MEMBERS; member += 1) {
      const from = received.findLast((r) => r.member === `m${member}`)?.handover.ranges[0]?.to;
      const range = { key: key(member), topic: TOPIC, partition: member, records: RECORDS };
      const fromHere = from ?? committed[member];
      received.push({
        offset: BigInt(interval * MEMBERS + member),
        member: `m${member}`,
        readyAt: readyAt(start, interval, member),
        handover: {
          table: id.name,
          specId: 0,
          files: [file],
          ranges: [
            {
              ...range,
              from: fromHere ?? null,
              to: (fromHere ?? 0n) + BigInt(RECORDS),
              newestRecordMs: null,
            },
          ],
        },
      });
    }
    try {
      const { outcome, refused: notTaken } = await commitHandovers(
        access,
        received,
        { generation: 1, member: 'committer' },
        BigInt((interval + 1) * MEMBERS),
      );
      if (outcome !== undefined) snapshots += 1;
      refused += notTaken.length;
      for (const r of received) latencies.push(Date.now() - r.readyAt);
      for (const p of outcome?.partitions ?? []) committed[p.partition] = p.nextOffset;
      received = [];
    } catch {
      gaveUp += 1; // the hand-overs wait for the next interval's commit
    }
  }
  return { snapshots, gaveUp, refused, latencies };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function run(mode: 'per-member' | 'pooled') {
  const { catalog, counts } = countingCatalog();
  const { id, file } = await newTable(catalog, mode);
  const location = (await catalog.loadTable(id)).metadata.location;
  const bytesBefore = await metadataBytes(io, location);
  const start = Date.now() + 500;
  const measured =
    mode === 'per-member'
      ? { refused: 0, ...(await perMember(catalog, id, file, start)) }
      : await pooled(catalog, id, file, start);
  const wallS = (Date.now() - start) / 1000;
  const table = await catalog.loadTable(id);
  const latencies = measured.latencies.sort((a, b) => a - b);
  const commits = measured.snapshots + measured.gaveUp;
  return {
    mode,
    members: MEMBERS,
    intervals: INTERVALS,
    snapshots: measured.snapshots,
    commitRequests: counts.sent,
    conflicts: counts.conflicts,
    unknownOutcomes: counts.unknown,
    retries: counts.sent - commits,
    gaveUp: measured.gaveUp,
    refusedHandovers: measured.refused,
    filesCommitted: latencies.length,
    filesExpected: MEMBERS * INTERVALS,
    latencyP50S: +(percentile(latencies, 50) / 1000).toFixed(2),
    latencyP99S: +(percentile(latencies, 99) / 1000).toFixed(2),
    wallS: +wallS.toFixed(1),
    metadataKiBBefore: Math.round(bytesBefore / 1024),
    metadataKiBAfter: Math.round((await metadataBytes(io, location)) / 1024),
    snapshotsInTable: table.metadata.snapshots.length,
  };
}

const results = [];
for (const mode of ['pooled', 'per-member'] as const) {
  const result = await run(mode);
  console.log(JSON.stringify(result));
  results.push(result);
}
const date = new Date().toISOString().slice(0, 10);
// machine() names the ingest processes' Node flags: this one runs without them.
const host = `${machine().replace(/ \(.*\)$/, '')}; load average at the end ${loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')}`;
const dir = resolve(import.meta.dirname, '../../../bench/results');
writeFileSync(
  resolve(dir, `fanin-${date}.json`),
  `${JSON.stringify({ date, machine: host, members: MEMBERS, intervals: INTERVALS, intervalMs: INTERVAL_MS, results }, null, 2)}\n`,
);
writeFileSync(
  resolve(dir, `fanin-${date}.md`),
  [
    `# Commit fan-in simulation, ${date}`,
    '',
    `- machine: ${host}; the REST catalog, moto S3 and this process all on it, shared with other work (noisy)`,
    `- ${MEMBERS} members, one partition each, ${INTERVALS} intervals of ${INTERVAL_MS} ms; member i's files are ready at i/${MEMBERS} of each interval. per-member: each commits its files for itself when ready, all concurrently, through the commit loop (5 attempts, backoff 100 ms to 5 s); pooled: one committer commits the interval's ${MEMBERS} hand-overs in one append at its end (commitHandovers)`,
    "- data files are metadata only: every entry points at one small Parquet file written once per table; conflicts: commit requests the catalog answered 409; retries: commit requests beyond each commit's first; gave up: commits that failed after every attempt (the member commits their files with its next ones; those of the last interval stay uncommitted when the run ends); latency: files ready to committed, per member per interval; metadata: metadata.json files, manifest lists and manifests",
    '',
    '| mode | snapshots | commit requests | conflicts (409) | retries | gave up | files committed | latency p50 / p99 s | wall s | metadata KiB before → after |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.mode} | ${r.snapshots} | ${r.commitRequests} | ${r.conflicts} | ${r.retries} | ${r.gaveUp} | ${r.filesCommitted} / ${r.filesExpected} | ${r.latencyP50S} / ${r.latencyP99S} | ${r.wallS} | ${r.metadataKiBBefore} → ${r.metadataKiBAfter} |`,
    ),
    '',
  ].join('\n'),
);
process.exit(0);
