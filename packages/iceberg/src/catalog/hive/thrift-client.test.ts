import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage, encodeCall, Incomplete, MessageType, t } from './thrift-binary';
import { ThriftClient, ThriftTransportError } from './thrift-client';

// A loopback server speaking just enough Thrift: what each connection does is up to the test.
let server: Server | undefined;
async function serve(onCall: (socket: Socket, name: string, seqId: number) => void): Promise<number> {
  server = createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        const m = decodeMessage(buf);
        buf = buf.subarray(m.length);
        onCall(socket, m.name, m.seqId);
      } catch (e) {
        if (!(e instanceof Incomplete)) throw e;
      }
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** A REPLY to `name` whose result struct holds the string `value` as field 0. */
function reply(name: string, seqId: number, value: string): Buffer {
  const bytes = encodeCall(name, seqId, new Map([[0, t.string(value)]]));
  bytes.writeUInt32BE((0x80010000 | MessageType.REPLY) >>> 0, 0);
  return bytes;
}

afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

describe('ThriftClient', () => {
  it('gives up on a call with no answer, and the next call opens a new connection', async () => {
    let connections = 0;
    const port = await serve((socket, name, seqId) => {
      connections += 1;
      // The first connection never answers; later ones do.
      if (connections > 1) socket.write(reply(name, seqId, 'ok'));
    });
    const client = new ThriftClient({ host: '127.0.0.1', port, timeoutMs: 300 });
    await expect(client.call('get_all_databases', new Map())).rejects.toThrow(
      new ThriftTransportError('get_all_databases: no answer within 300 ms'),
    );
    const result = await client.call('get_all_databases', new Map());
    expect(result.get(0)).toEqual(t.string('ok'));
    client.close();
  });

  it('survives the server dropping an idle connection, and says when nothing listens', async () => {
    const port = await serve((socket, name, seqId) => {
      socket.write(reply(name, seqId, 'ok'));
      socket.destroy();
    });
    const client = new ThriftClient({ host: '127.0.0.1', port, timeoutMs: 1_000 });
    expect((await client.call('a', new Map())).get(0)).toEqual(t.string('ok'));
    // Idle while the server's close arrives.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await client.call('b', new Map())).get(0)).toEqual(t.string('ok'));
    client.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    await expect(new ThriftClient({ host: '127.0.0.1', port }).call('a', new Map())).rejects.toThrow(
      /^cannot connect to 127\.0\.0\.1:\d+: connect ECONNREFUSED/,
    );
  });
});
