import { connect, type Socket } from 'node:net';
import {
  decodeMessage,
  encodeCall,
  Incomplete,
  type Message,
  MessageType,
  stringField,
  type TStruct,
} from './thrift-binary';

/** The server answered with a Thrift application error (unknown method, internal error). */
export class ThriftApplicationError extends Error {
  override name = 'ThriftApplicationError';
}

/** No answer: the connection failed, closed, or timed out; whether a call took effect is unknown. */
export class ThriftTransportError extends Error {
  override name = 'ThriftTransportError';
}

export interface ThriftClientOptions {
  host: string;
  port: number;
  /** How long one call may take before the connection is dropped (default 30 s). */
  timeoutMs?: number;
}

/**
 * One socket to a Thrift server over the binary protocol, one call at a time (the protocol matches
 * answers to calls by order). A failed connection is dropped and the next call opens a new one.
 */
export class ThriftClient {
  private socket: Socket | undefined;
  private seqId = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ThriftClientOptions) {}

  /** Calls `method`; resolves with the reply's result struct (field 0 the return value, others declared exceptions). */
  call(method: string, args: TStruct): Promise<TStruct> {
    const next = this.queue.then(() => this.send(method, args));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private async open(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const { host, port } = this.options;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port });
      const fail = (why: string) => {
        s.destroy();
        reject(new ThriftTransportError(`cannot connect to ${host}:${port}: ${why}`));
      };
      s.setTimeout(this.timeoutMs(), () => fail(`no connection within ${this.timeoutMs()} ms`));
      s.once('connect', () => {
        s.setTimeout(0);
        resolve(s);
      });
      s.once('error', (e) => fail(e.message));
    });
    socket.setNoDelay(true);
    // Between calls the server may drop the connection: forget it (the next call reconnects), never crash.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      if (this.socket === socket) this.socket = undefined;
    });
    this.socket = socket;
    return socket;
  }

  private timeoutMs(): number {
    return this.options.timeoutMs ?? 30_000;
  }

  private async send(method: string, args: TStruct): Promise<TStruct> {
    const socket = await this.open();
    const seqId = ++this.seqId;
    const timeoutMs = this.timeoutMs();
    const message = await new Promise<Message>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const done = (error: Error | undefined, m?: Message) => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('close', onClose);
        if (error) {
          socket.destroy();
          reject(error);
        } else resolve(m as Message);
      };
      const onData = (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        try {
          done(undefined, decodeMessage(buf));
        } catch (e) {
          if (!(e instanceof Incomplete)) done(e as Error);
        }
      };
      const onError = (e: Error) => done(new ThriftTransportError(`${method}: ${e.message}`));
      const onClose = () => done(new ThriftTransportError(`${method}: the server closed the connection`));
      const timer = setTimeout(
        () => done(new ThriftTransportError(`${method}: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.on('data', onData);
      socket.once('error', onError);
      socket.once('close', onClose);
      socket.write(encodeCall(method, seqId, args));
    });
    if (message.seqId !== seqId || message.name !== method) {
      this.close();
      throw new ThriftTransportError(`${method}: answer out of order (${message.name} #${message.seqId})`);
    }
    if (message.type === MessageType.EXCEPTION) {
      throw new ThriftApplicationError(`${method}: ${stringField(message.body, 1) ?? 'application error'}`);
    }
    return message.body;
  }
}
