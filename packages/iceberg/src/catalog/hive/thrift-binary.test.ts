import { describe, expect, it } from 'vitest';
import { parseThriftUri } from './hive-catalog';
import { decodeMessage, encodeCall, Incomplete, MessageType, type TStruct, TType, t } from './thrift-binary';

describe('Thrift binary protocol', () => {
  const args: TStruct = new Map([
    [1, t.string('db')],
    [
      2,
      t.struct([
        [1, t.bool(true)],
        [7, t.i32(-1)],
      ]),
    ],
    [3, { type: TType.I64, value: -(2n ** 62n) }],
    [4, { type: TType.DOUBLE, value: 0.1 }],
    [5, { type: TType.I16, value: -2 }],
    [6, { type: TType.BYTE, value: 7 }],
    [9, t.stringMap({ metadata_location: 's3://b/t/metadata/00001-x.metadata.json', é: 'ü' })],
    [10, { type: TType.SET, elementType: TType.STRING, value: [t.string('a')] }],
    [11, t.structList([t.struct([[1, t.string('x')]])])],
  ]);

  it('writes a call that reads back field for field, every wire type kept', () => {
    const bytes = encodeCall('alter_table', 42, args);
    expect(bytes.readUInt32BE(0)).toBe(0x80010001);
    const message = decodeMessage(Buffer.concat([bytes, Buffer.from([0xff])]));
    expect(message).toMatchObject({
      name: 'alter_table',
      type: MessageType.CALL,
      seqId: 42,
      length: bytes.length,
    });
    expect(message.body).toEqual(args);
  });

  it('says a message is incomplete until its last byte, and refuses what is not the binary protocol', () => {
    const bytes = encodeCall('get_table_req', 1, args);
    for (const cut of [0, 3, 10, bytes.length - 1])
      expect(() => decodeMessage(bytes.subarray(0, cut))).toThrow(Incomplete);
    expect(() => decodeMessage(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toThrow(
      /not a binary-protocol message/,
    );
  });
});

describe('parseThriftUri', () => {
  it('takes thrift://host:port, port 9083 by default, and names the form otherwise', () => {
    expect(parseThriftUri('thrift://metastore.internal:9084')).toEqual({
      host: 'metastore.internal',
      port: 9084,
    });
    expect(parseThriftUri('thrift://[::1]')).toEqual({ host: '::1', port: 9083 });
    expect(() => parseThriftUri('http://metastore:9083')).toThrow(/is not of the form thrift:\/\/host:port/);
  });
});
