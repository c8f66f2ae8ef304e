import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// Test helper: reads a table through pyiceberg's own catalog client (REST; a scan also through Hive),
// so our writes are judged by another implementation of the spec rather than by our own reader.

// Opens the catalog its properties name. pyiceberg 0.12's Hive catalog loads tables with get_table,
// which Hive 4 no longer serves: its get_table_req is the one call swapped in here, the rest
// (metadata_location, the files) is pyiceberg's own.
const OPEN_CATALOG = `
def open_catalog(props):
    if props.get("type") == "hive":
        from hive_metastore.ttypes import GetTableRequest
        from pyiceberg.catalog.hive import HiveCatalog
        class Hive4Catalog(HiveCatalog):
            def _get_hive_table(self, open_client, database_name, table_name):
                return open_client.get_table_req(GetTableRequest(dbName=database_name, tblName=table_name)).table
        return Hive4Catalog("floe", **props)
    from pyiceberg.catalog.rest import RestCatalog
    return RestCatalog("floe", **props)
`;

/** scanWithPyiceberg's `catalog` for a Hive metastore at `uri` (thrift://host:port), instead of the REST catalog. */
export const hiveCatalog = (uri: string) => ({ type: 'hive', uri });

const SCRIPT = `
import json, sys
from pyiceberg.catalog.rest import RestCatalog
args = json.loads(sys.argv[1])
catalog = RestCatalog("floe", **args["props"])
ns = tuple(args["namespace"])
table = catalog.load_table(ns + (args["table"],))
snapshot = table.current_snapshot()
print(json.dumps({
    "tables": [list(t) for t in catalog.list_tables(ns)],
    "schema": json.loads(table.schema().model_dump_json(by_alias=True, exclude_none=True)),
    "spec": json.loads(table.spec().model_dump_json(by_alias=True)),
    "format_version": table.format_version,
    "properties": table.properties,
    "snapshot_id": None if snapshot is None else str(snapshot.snapshot_id),
}))
`;

export interface PyicebergView {
  tables: string[][];
  schema: unknown;
  spec: unknown;
  format_version: number;
  properties: Record<string, string>;
  /** As a decimal string: pyiceberg's ints are exact, JSON numbers in JS would not be. */
  snapshot_id: string | null;
}

function catalogProps() {
  const env = process.env;
  return {
    uri: env.FLOE_ICEBERG_REST_URI,
    's3.endpoint': env.FLOE_S3_ENDPOINT,
    's3.access-key-id': env.FLOE_AWS_ACCESS_KEY_ID,
    's3.secret-access-key': env.FLOE_AWS_SECRET_ACCESS_KEY,
    's3.region': env.FLOE_AWS_REGION,
    's3.force-virtual-addressing': 'false',
  };
}

async function runPython(script: string, args: unknown, timeoutMs = 120_000): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.env.FLOE_PYTHON as string,
    ['-c', script, JSON.stringify(args)],
    {
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return stdout;
}

/** `catalog`: pyiceberg catalog properties over the stack's (another uri, auth, SigV4 signing). */
export async function readWithPyiceberg(
  namespace: readonly string[],
  table: string,
  catalog: Record<string, string> = {},
): Promise<PyicebergView> {
  const props = { ...catalogProps(), ...catalog };
  return JSON.parse(await runPython(SCRIPT, { props, namespace, table })) as PyicebergView;
}

// Values come back tagged so nothing is rounded or confused on the way to JS: "i:<digits>" ints,
// "f:<hex of the IEEE double, little-endian>" floats, "d:<unscaled>e<exponent>" decimals,
// "date:"/"time:"/"ts:" days and micros, "b:<hex>" bytes and uuids; maps as [key, value] pairs.
const SCAN_SCRIPT = `
import datetime, decimal, json, struct, sys, uuid
from pyiceberg.expressions import AlwaysTrue
${OPEN_CATALOG}
args = json.loads(sys.argv[1])
catalog = open_catalog(args["props"])
table = catalog.load_table(tuple(args["namespace"]) + (args["table"],))
refs = table.refs()
snapshot_id = refs[args["ref"]].snapshot_id if args["ref"] else None
scan = table.scan(row_filter=args["filter"] or AlwaysTrue(), selected_fields=tuple(args.get("select") or ["*"]),
                  snapshot_id=snapshot_id)
files = sorted(task.file.file_path for task in scan.plan_files())
EPOCH = datetime.datetime(1970, 1, 1)
def enc(v):
    if v is None or isinstance(v, (bool, str)): return v
    if isinstance(v, int): return "i:%d" % v
    if isinstance(v, float): return "f:" + struct.pack("<d", v).hex()
    if isinstance(v, decimal.Decimal):
        sign, digits, exponent = v.as_tuple()
        unscaled = int("".join(map(str, digits)) or "0")
        return "d:%d" % (-unscaled if sign else unscaled) + "e%d" % exponent
    if isinstance(v, datetime.datetime):
        base = EPOCH if v.tzinfo is None else EPOCH.replace(tzinfo=datetime.timezone.utc)
        return "ts:%d" % ((v - base) // datetime.timedelta(microseconds=1))
    if isinstance(v, datetime.date): return "date:%d" % (v - EPOCH.date()).days
    if isinstance(v, datetime.time):
        return "time:%d" % (((v.hour * 60 + v.minute) * 60 + v.second) * 1000000 + v.microsecond)
    if isinstance(v, uuid.UUID): return "b:" + v.bytes.hex()
    if isinstance(v, (bytes, bytearray)): return "b:" + bytes(v).hex()
    if isinstance(v, dict): return {k: enc(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)): return [enc(x) for x in v]
    raise TypeError("cannot encode %r" % (v,))
rows = [enc(r) for r in scan.to_arrow().to_pylist()] if args["rows"] else []
print(json.dumps({
    "files": files,
    "rows": rows,
    "snapshots": [
        {"id": str(s.snapshot_id), "parent": None if s.parent_snapshot_id is None else str(s.parent_snapshot_id),
         "summary": s.summary.model_dump(mode="json") if hasattr(s.summary, "model_dump") else dict(s.summary)}
        for s in table.snapshots()
    ],
    "refs": {name: {k: None if v is None else str(v) for k, v in r.model_dump(mode="json", by_alias=True).items()}
             for name, r in refs.items()},
}))
`;

export interface PyicebergScan {
  /** Data files pyiceberg plans for the scan, after pruning by partition and column bounds. */
  files: string[];
  rows: Record<string, unknown>[];
  snapshots: { id: string; parent: string | null; summary: Record<string, string> }[];
  /** The table's refs as pyiceberg reads them, every value a string (ids exact), e.g. {"snapshot-id", "type", "max-ref-age-ms"}. */
  refs: Record<string, Record<string, string | null>>;
}

/**
 * Scans a table with pyiceberg (`table.scan(row_filter=...)`), planning and reading as it does; of
 * main's head, or of the head of the tag or branch `ref` as pyiceberg finds it in `table.refs()`.
 */
export async function scanWithPyiceberg(
  namespace: readonly string[],
  table: string,
  options: {
    filter?: string;
    rows?: boolean;
    select?: string[];
    ref?: string;
    /** pyiceberg catalog properties over the stack's (another uri, auth, SigV4 signing). */
    catalog?: Record<string, string>;
  } = {},
): Promise<PyicebergScan> {
  const args = {
    props: { ...catalogProps(), ...options.catalog },
    namespace,
    table,
    filter: options.filter ?? null,
    rows: options.rows ?? true,
    select: options.select ?? null,
    ref: options.ref ?? null,
  };
  return JSON.parse(await runPython(SCAN_SCRIPT, args)) as PyicebergScan;
}

const APPEND_SCRIPT = `
import json, sys
import pyarrow as pa
from pyiceberg.catalog.rest import RestCatalog
args = json.loads(sys.argv[1])
catalog = RestCatalog("floe", **args["props"])
table = catalog.load_table(tuple(args["namespace"]) + (args["table"],))
schema = table.schema().as_arrow()
columns = {f.name: pa.array([row[i] for row in args["rows"]], type=f.type) for i, f in enumerate(schema)}
table.append(pa.table(columns, schema=schema))
print(json.dumps({"snapshot_id": str(table.current_snapshot().snapshot_id)}))
`;

/** Appends rows with pyiceberg's own writer; each row lists the top-level values in schema order (JSON-able). */
export async function appendWithPyiceberg(
  namespace: readonly string[],
  table: string,
  rows: unknown[][],
): Promise<{ snapshot_id: string }> {
  const args = { props: catalogProps(), namespace, table, rows };
  return JSON.parse(await runPython(APPEND_SCRIPT, args)) as { snapshot_id: string };
}

// Each run loads the table afresh; to_arrow() plans again, so its time includes planning. Sums are of
// whole columns as Python ints, exact, and independent of the order files are read in.
const TIMED_SCAN_SCRIPT = `
import json, sys, time
import pyarrow.compute as pc
import pyiceberg, pyarrow
from pyiceberg.catalog.rest import RestCatalog
args = json.loads(sys.argv[1])
catalog = RestCatalog("bench", **args["props"])
ident = tuple(args["namespace"]) + (args["table"],)
plan, read = [], []
for _ in range(args["runs"]):
    table = catalog.load_table(ident)
    start = time.perf_counter()
    tasks = list(table.scan().plan_files())
    plan.append(time.perf_counter() - start)
    table = catalog.load_table(ident)
    start = time.perf_counter()
    data = table.scan().to_arrow()
    read.append(time.perf_counter() - start)
print(json.dumps({
    "plan": plan,
    "read": read,
    "tasks": len(tasks),
    "delete_files": len({d.file_path for t in tasks for d in t.delete_files}),
    "rows": data.num_rows,
    "sums": {c: str(pc.sum(data[c]).as_py()) for c in args["sums"]},
    "versions": {"pyiceberg": pyiceberg.__version__, "pyarrow": pyarrow.__version__, "python": sys.version.split()[0]},
}))
`;

export interface TimedPyicebergScan {
  /** Seconds per run of `scan().plan_files()` and of `scan().to_arrow()`. */
  plan: number[];
  read: number[];
  /** Scan tasks (data files) and the distinct delete files they carry. */
  tasks: number;
  delete_files: number;
  rows: number;
  /** Per column asked for, the sum of its values as a decimal string. */
  sums: Record<string, string>;
  versions: Record<string, string>;
}

/** For benchmarks: times pyiceberg planning and reading the whole table, `runs` times each. */
export async function timeScanWithPyiceberg(
  namespace: readonly string[],
  table: string,
  options: { runs: number; sums?: string[] },
): Promise<TimedPyicebergScan> {
  const args = { props: catalogProps(), namespace, table, runs: options.runs, sums: options.sums ?? [] };
  return JSON.parse(await runPython(TIMED_SCAN_SCRIPT, args, 600_000)) as TimedPyicebergScan;
}
