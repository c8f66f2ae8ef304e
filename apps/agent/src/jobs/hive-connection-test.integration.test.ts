import { randomBytes } from 'node:crypto';
import { HiveCatalog, LocalFileIO } from '@floe/iceberg';
import { serveMetastoreVersion } from '@floe/iceberg/testing/thrift-loopback';
import { type Connection, connectionSchema, jobSchema } from '@floe/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJob } from '../policy/check-job';
import { stackPolicy, stackSecrets } from '../testing/stack-policy';
import { testConnection } from './connection-test';

// A Hive catalog connection tested as the agent tests it, against the Hive standalone metastore 4.0.1
// the local stack runs (`npm run stack -- up hive`; npm test starts it).
const uri = process.env.FLOE_HIVE_URI;
const database = `floe_conn_${randomBytes(4).toString('hex')}`;
const hive = (at: string): Connection =>
  connectionSchema.parse({ type: 'catalog', catalog: { type: 'hive', uri: at } });
const failure = (connection: Connection) =>
  testConnection(connection, stackSecrets())
    .then(() => 'passed')
    .catch((e: Error) => e.message);

const title =
  uri === undefined
    ? 'Hive catalog connection test (skipped: the stack runs no Hive metastore; npm run stack -- up hive)'
    : 'Hive catalog connection test';

describe.skipIf(uri === undefined)(title, () => {
  let catalog: HiveCatalog;
  beforeAll(async () => {
    catalog = new HiveCatalog({ uri: uri as string, io: new LocalFileIO() });
    await catalog.createNamespace([database]);
  });
  afterAll(async () => {
    await catalog.dropNamespace([database]);
    catalog.close();
  });

  it("reports the metastore's version and counts its databases; the stack policy allows it", async () => {
    const connection = hive(uri as string);
    expect(() =>
      checkJob(jobSchema.parse({ kind: 'connection.test', connection }), stackPolicy()),
    ).not.toThrow();
    const result = await testConnection(connection, stackSecrets());
    expect(result).toEqual({
      catalog: 'hive',
      version: expect.stringMatching(/^4\./),
      databases: expect.any(Number),
    });
    const databases = (await catalog.listNamespaces()).length;
    expect(result.databases).toBe(databases);
    expect(databases).toBeGreaterThanOrEqual(2); // default and this test's
  });

  it('says when nothing answers at the uri', async () => {
    const message = await failure(hive('thrift://127.0.0.1:1'));
    expect(message).toMatch(
      /^the Hive metastore at thrift:\/\/127\.0\.0\.1:1: connection test: .*ECONNREFUSED/,
    );
  });

  it('refuses a metastore older than Hive 4, naming its version', async () => {
    // A loopback Thrift server answering as a Hive 3.1.3 metastore does (the stack runs Hive 4 only).
    const old = await serveMetastoreVersion('3.1.3');
    try {
      expect(await failure(hive(`thrift://127.0.0.1:${old.port}`))).toBe(
        `the Hive metastore at thrift://127.0.0.1:${old.port}: connection test: the metastore is Hive 3.1.3, which does not check a commit's expected metadata_location; Floe commits to Hive Metastore 4.0 or newer`,
      );
    } finally {
      await old.close();
    }
  });
});
