// Test helper: a loopback server speaking just enough Thrift for client tests; what each call gets is
// up to the test.
import { createServer, type Server, type Socket } from 'node:net';
import { decodeMessage, encodeCall, Incomplete, MessageType, type TStruct, t } from './thrift-binary';

export interface LoopbackThriftServer {
  port: number;
  close(): Promise<void>;
}

export async function serveThrift(
  onCall: (socket: Socket, name: string, seqId: number) => void,
): Promise<LoopbackThriftServer> {
  const server: Server = createServer((socket) => {
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A REPLY to `name` carrying `result` (field 0 the return value). */
export function thriftReply(name: string, seqId: number, result: TStruct): Buffer {
  const bytes = encodeCall(name, seqId, result);
  bytes.writeUInt32BE((0x80010000 | MessageType.REPLY) >>> 0, 0);
  return bytes;
}

/** A loopback server that answers every call with `version` (as getVersion does): a metastore's stand-in in tests of what an old one gets. */
export function serveMetastoreVersion(version: string): Promise<LoopbackThriftServer> {
  return serveThrift((socket, name, seqId) =>
    socket.write(thriftReply(name, seqId, new Map([[0, t.string(version)]]))),
  );
}
