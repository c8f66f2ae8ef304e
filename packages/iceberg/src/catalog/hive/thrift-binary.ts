// Thrift's binary protocol (strict message headers), the wire format of the Hive Metastore's default
// unframed socket transport. Values keep their wire types, so a struct read from the metastore can be
// written back with the fields this client does not know about left exactly as they were.

export const TType = {
  STOP: 0,
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
} as const;

export type TValue =
  | { type: typeof TType.BOOL; value: boolean }
  | { type: typeof TType.BYTE | typeof TType.I16 | typeof TType.I32 | typeof TType.DOUBLE; value: number }
  | { type: typeof TType.I64; value: bigint }
  /** Raw bytes: Thrift strings and binaries share the wire type. */
  | { type: typeof TType.STRING; value: Buffer }
  | { type: typeof TType.STRUCT; value: TStruct }
  | { type: typeof TType.LIST | typeof TType.SET; elementType: number; value: TValue[] }
  | { type: typeof TType.MAP; keyType: number; valueType: number; value: [TValue, TValue][] };

/** A struct: field id to value. */
export type TStruct = Map<number, TValue>;

export const MessageType = { CALL: 1, REPLY: 2, EXCEPTION: 3 } as const;
const VERSION_1 = 0x80010000;

export const t = {
  bool: (value: boolean): TValue => ({ type: TType.BOOL, value }),
  i32: (value: number): TValue => ({ type: TType.I32, value }),
  string: (value: string): TValue => ({ type: TType.STRING, value: Buffer.from(value, 'utf8') }),
  struct: (fields: [number, TValue | undefined][]): TValue => ({
    type: TType.STRUCT,
    value: new Map(fields.filter((f): f is [number, TValue] => f[1] !== undefined)),
  }),
  stringMap: (record: Record<string, string>): TValue => ({
    type: TType.MAP,
    keyType: TType.STRING,
    valueType: TType.STRING,
    value: Object.entries(record).map(([k, v]) => [t.string(k), t.string(v)]),
  }),
  structList: (items: TValue[]): TValue => ({ type: TType.LIST, elementType: TType.STRUCT, value: items }),
};

/** Field `id` as a string, undefined when absent (or of another type). */
export function stringField(s: TStruct, id: number): string | undefined {
  const v = s.get(id);
  return v?.type === TType.STRING ? v.value.toString('utf8') : undefined;
}

export function structField(s: TStruct, id: number): TStruct | undefined {
  const v = s.get(id);
  return v?.type === TType.STRUCT ? v.value : undefined;
}

export function stringListField(s: TStruct, id: number): string[] {
  const v = s.get(id);
  if (v?.type !== TType.LIST && v?.type !== TType.SET) return [];
  return v.value.flatMap((e) => (e.type === TType.STRING ? [e.value.toString('utf8')] : []));
}

export function stringMapField(s: TStruct, id: number): Record<string, string> {
  const v = s.get(id);
  const out: Record<string, string> = {};
  if (v?.type !== TType.MAP) return out;
  for (const [k, val] of v.value)
    if (k.type === TType.STRING && val.type === TType.STRING)
      out[k.value.toString('utf8')] = val.value.toString('utf8');
  return out;
}

class Writer {
  private readonly chunks: Buffer[] = [];
  bytes(b: Buffer) {
    this.chunks.push(b);
  }
  i8(n: number) {
    const b = Buffer.alloc(1);
    b.writeInt8(n);
    this.bytes(b);
  }
  i16(n: number) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    this.bytes(b);
  }
  i32(n: number) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n | 0);
    this.bytes(b);
  }
  value(v: TValue) {
    switch (v.type) {
      case TType.BOOL:
        return this.i8(v.value ? 1 : 0);
      case TType.BYTE:
        return this.i8(v.value);
      case TType.I16:
        return this.i16(v.value);
      case TType.I32:
        return this.i32(v.value);
      case TType.I64: {
        const b = Buffer.alloc(8);
        b.writeBigInt64BE(v.value);
        return this.bytes(b);
      }
      case TType.DOUBLE: {
        const b = Buffer.alloc(8);
        b.writeDoubleBE(v.value);
        return this.bytes(b);
      }
      case TType.STRING:
        this.i32(v.value.length);
        return this.bytes(v.value);
      case TType.STRUCT:
        return this.struct(v.value);
      case TType.LIST:
      case TType.SET:
        this.i8(v.elementType);
        this.i32(v.value.length);
        for (const e of v.value) this.value(e);
        return;
      case TType.MAP:
        this.i8(v.keyType);
        this.i8(v.valueType);
        this.i32(v.value.length);
        for (const [k, val] of v.value) {
          this.value(k);
          this.value(val);
        }
        return;
    }
  }
  struct(s: TStruct) {
    for (const [id, v] of s) {
      this.i8(v.type);
      this.i16(id);
      this.value(v);
    }
    this.i8(TType.STOP);
  }
  done(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** A call's bytes: the message header, then its arguments as a struct. */
export function encodeCall(name: string, seqId: number, args: TStruct): Buffer {
  const w = new Writer();
  w.i32(VERSION_1 | MessageType.CALL);
  w.value(t.string(name));
  w.i32(seqId);
  w.struct(args);
  return w.done();
}

/** Thrown when the buffer ends before the message does: wait for more bytes. */
export class Incomplete extends Error {}

class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number) {
    if (this.offset + n > this.buf.length) throw new Incomplete('incomplete Thrift message');
    const at = this.offset;
    this.offset += n;
    return at;
  }
  i8() {
    return this.buf.readInt8(this.need(1));
  }
  i16() {
    return this.buf.readInt16BE(this.need(2));
  }
  i32() {
    return this.buf.readInt32BE(this.need(4));
  }
  bytes() {
    const n = this.i32();
    if (n < 0) throw new Error(`Thrift: negative length ${n}`);
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }
  value(type: number): TValue {
    switch (type) {
      case TType.BOOL:
        return { type, value: this.i8() !== 0 };
      case TType.BYTE:
        return { type, value: this.i8() };
      case TType.I16:
        return { type, value: this.i16() };
      case TType.I32:
        return { type, value: this.i32() };
      case TType.I64:
        return { type, value: this.buf.readBigInt64BE(this.need(8)) };
      case TType.DOUBLE:
        return { type, value: this.buf.readDoubleBE(this.need(8)) };
      case TType.STRING:
        return { type, value: Buffer.from(this.bytes()) };
      case TType.STRUCT:
        return { type, value: this.struct() };
      case TType.LIST:
      case TType.SET: {
        const elementType = this.i8();
        const n = this.i32();
        const value: TValue[] = [];
        for (let i = 0; i < n; i++) value.push(this.value(elementType));
        return { type, elementType, value };
      }
      case TType.MAP: {
        const keyType = this.i8();
        const valueType = this.i8();
        const n = this.i32();
        const value: [TValue, TValue][] = [];
        for (let i = 0; i < n; i++) value.push([this.value(keyType), this.value(valueType)]);
        return { type, keyType, valueType, value };
      }
      default:
        throw new Error(`Thrift: unknown field type ${type}`);
    }
  }
  struct(): TStruct {
    const s: TStruct = new Map();
    for (;;) {
      const type = this.i8();
      if (type === TType.STOP) return s;
      const id = this.i16();
      s.set(id, this.value(type));
    }
  }
}

export interface Message {
  name: string;
  type: number;
  seqId: number;
  body: TStruct;
  /** Bytes the message took. */
  length: number;
}

/** The first message in `buf`; throws Incomplete when `buf` holds only part of it. */
export function decodeMessage(buf: Buffer): Message {
  const r = new Reader(buf);
  const header = r.i32();
  if ((header & 0xffff0000) !== VERSION_1 >> 0) {
    throw new Error(`Thrift: not a binary-protocol message (header 0x${(header >>> 0).toString(16)})`);
  }
  const name = r.bytes().toString('utf8');
  const seqId = r.i32();
  const body = r.struct();
  return { name, type: header & 0xff, seqId, body, length: r.offset };
}
