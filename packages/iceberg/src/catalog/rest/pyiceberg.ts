import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// Test helper: reads a table through pyiceberg's own REST catalog client, so our writes are judged by
// another implementation of the spec rather than by our own reader.

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

export async function readWithPyiceberg(namespace: readonly string[], table: string): Promise<PyicebergView> {
  const env = process.env;
  const props = {
    uri: env.FLOE_ICEBERG_REST_URI,
    's3.endpoint': env.FLOE_S3_ENDPOINT,
    's3.access-key-id': env.FLOE_AWS_ACCESS_KEY_ID,
    's3.secret-access-key': env.FLOE_AWS_SECRET_ACCESS_KEY,
    's3.region': env.FLOE_AWS_REGION,
    's3.force-virtual-addressing': 'false',
  };
  const { stdout } = await promisify(execFile)(
    env.FLOE_PYTHON as string,
    ['-c', SCRIPT, JSON.stringify({ props, namespace, table })],
    { timeout: 60_000 },
  );
  return JSON.parse(stdout) as PyicebergView;
}
