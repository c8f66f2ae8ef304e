import { describe, expect, it } from 'vitest';
import { LocalFileIO } from '../../io/local-file-io';
import { CatalogError } from '../errors';
import { HiveCatalog } from './hive-catalog';
import { serveThrift, thriftReply } from './loopback-thrift-server';
import { t } from './thrift-binary';

describe('HiveCatalog commits', () => {
  it.each([
    ['3.1.3', 'Hive 3.1.3'],
    ['3.0', 'Hive 3.0'],
    ['', 'Hive (no version given)'],
  ])(
    'refuses to commit to a metastore that reports version "%s" (it would not check the base)',
    async (version, named) => {
      const calls: string[] = [];
      const server = await serveThrift((socket, name, seqId) => {
        calls.push(name);
        socket.write(thriftReply(name, seqId, new Map([[0, t.string(version)]])));
      });
      const catalog = new HiveCatalog({ uri: `thrift://127.0.0.1:${server.port}`, io: new LocalFileIO() });
      try {
        const error = await catalog
          .updateTable(
            { namespace: ['db'], name: 't' },
            [],
            [{ action: 'set-properties', updates: { a: 'b' } }],
          )
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CatalogError);
        expect((error as Error).message).toBe(
          `commit to table db.t: the metastore is ${named}, which does not check a commit's expected metadata_location; Floe commits to Hive Metastore 4.0 or newer`,
        );
        // Refused before the table was read or anything written.
        expect(calls).toEqual(['getVersion']);
      } finally {
        catalog.close();
        await server.close();
      }
    },
  );
});
