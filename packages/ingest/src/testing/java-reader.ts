import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// The Iceberg Java reference implementation as a reader for tests: iceberg-data's generic reader
// (infra/local/java-reader/ReadTable.java), its jars from Maven Central beside the stack's REST catalog jar.

const run = promisify(execFile);
const env = process.env;
const ICEBERG_VERSION = '1.10.1';
const SOURCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../infra/local/java-reader');
const cacheDir = resolve(env.FLOE_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'floe'));
let classpath: Promise<string> | undefined;

/** Downloads the reader's jars (once per machine) and compiles the tool (once per test process). */
async function readerClasspath(): Promise<string> {
  const jars = join(cacheDir, `java-reader-${ICEBERG_VERSION}`);
  if (!existsSync(join(jars, '.complete'))) {
    await run('mvn', [
      '-q',
      '-B',
      '-ntp',
      `-Dmaven.repo.local=${join(cacheDir, 'm2')}`,
      '-f',
      join(SOURCE_DIR, 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${jars}`,
      '-DincludeScope=runtime',
    ]);
    writeFileSync(join(jars, '.complete'), `${new Date().toISOString()}\n`);
  }
  const path = [
    ...readdirSync(jars)
      .filter((f) => f.endsWith('.jar'))
      .map((f) => join(jars, f)),
    join(cacheDir, `iceberg-rest-${ICEBERG_VERSION}`, `iceberg-open-api-${ICEBERG_VERSION}.jar`),
  ].join(':');
  const classes = mkdtempSync(join(tmpdir(), 'floe-java-reader-'));
  await run('javac', ['-d', classes, '-cp', path, join(SOURCE_DIR, 'ReadTable.java')]);
  return `${classes}:${path}`;
}

/** The rows of each snapshot as the Java reader reads them (deletes applied), each row its columns' text. */
export async function readWithIcebergJava(
  namespace: readonly string[],
  table: string,
  snapshotIds: readonly bigint[],
  columns: readonly string[],
): Promise<Map<bigint, string[][]>> {
  classpath ??= readerClasspath();
  const props = {
    uri: env.FLOE_ICEBERG_REST_URI,
    warehouse: 'warehouse',
    'io-impl': 'org.apache.iceberg.aws.s3.S3FileIO',
    's3.endpoint': env.FLOE_S3_ENDPOINT,
    's3.access-key-id': env.FLOE_AWS_ACCESS_KEY_ID,
    's3.secret-access-key': env.FLOE_AWS_SECRET_ACCESS_KEY,
    's3.path-style-access': 'true',
    'client.region': env.FLOE_AWS_REGION,
  };
  const { stdout } = await run(
    'java',
    [
      '-cp',
      await classpath,
      'ReadTable',
      ...Object.entries(props).map(([k, v]) => `${k}=${v}`),
      namespace.join('.'),
      table,
      snapshotIds.join(','),
      ...columns,
    ],
    { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
  );
  const bySnapshot = new Map<bigint, string[][]>();
  let rows: string[][] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('# ')) {
      rows = [];
      bySnapshot.set(BigInt(line.slice(2)), rows);
    } else if (line !== '') rows.push(line.split('\t'));
  }
  return bySnapshot;
}
