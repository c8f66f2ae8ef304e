import { afterEach, describe, expect, it } from 'vitest';
import { type LoopbackThriftServer, serveThrift, thriftReply } from './loopback-thrift-server';
import { t } from './thrift-binary';
import { ThriftClient, ThriftTransportError } from './thrift-client';

let server: LoopbackThriftServer | undefined;
const ok = new Map([[0, t.string('ok')]]);

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('ThriftClient', () => {
  it('gives up on a call with no answer, and the next call opens a new connection', async () => {
    let connections = 0;
    server = await serveThrift((socket, name, seqId) => {
      connections += 1;
      // The first connection never answers; later ones do.
      if (connections > 1) socket.write(thriftReply(name, seqId, ok));
    });
    const client = new ThriftClient({ host: '127.0.0.1', port: server.port, timeoutMs: 300 });
    await expect(client.call('get_all_databases', new Map())).rejects.toThrow(
      new ThriftTransportError('get_all_databases: no answer within 300 ms'),
    );
    const result = await client.call('get_all_databases', new Map());
    expect(result.get(0)).toEqual(t.string('ok'));
    client.close();
  });

  it('survives the server dropping an idle connection, and says when nothing listens', async () => {
    server = await serveThrift((socket, name, seqId) => {
      socket.write(thriftReply(name, seqId, ok));
      socket.destroy();
    });
    const { port } = server;
    const client = new ThriftClient({ host: '127.0.0.1', port, timeoutMs: 1_000 });
    expect((await client.call('a', new Map())).get(0)).toEqual(t.string('ok'));
    // Idle while the server's close arrives.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await client.call('b', new Map())).get(0)).toEqual(t.string('ok'));
    client.close();
    await server.close();
    server = undefined;
    await expect(new ThriftClient({ host: '127.0.0.1', port }).call('a', new Map())).rejects.toThrow(
      /^cannot connect to 127\.0\.0\.1:\d+: connect ECONNREFUSED/,
    );
  });
});
