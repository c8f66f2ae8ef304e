import { describe, expect, it } from 'vitest';
import { createValueDecoder, DEFAULT_MAX_VALUE_BYTES } from './create-decoder';
import { RecordRejectedError } from './decoded';

describe('createValueDecoder', () => {
  it('decodes schemaless JSON without a registry', async () => {
    const decoded = await createValueDecoder('json').decode(Buffer.from('{"a": 1}'));
    expect(decoded.row).toEqual({ a: 1n });
  });

  it('needs a registry for the registry formats', () => {
    for (const format of ['avro', 'protobuf', 'json-schema'] as const) {
      expect(() => createValueDecoder(format)).toThrow(`the ${format} value format needs a schema registry`);
    }
  });

  it('rejects a value over the size limit before reading it, and takes one at the limit', async () => {
    const decoder = createValueDecoder('json', undefined, { maxValueBytes: 10 });
    const error = await decoder.decode(Buffer.from('{"a": "123"}')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordRejectedError);
    expect(error).toMatchObject({
      reason: 'oversize',
      message: 'the value has 12 bytes, more than the limit of 10 bytes',
    });
    expect((await decoder.decode(Buffer.from('{"a": "1"}'))).row).toEqual({ a: '1' });
    expect(DEFAULT_MAX_VALUE_BYTES).toBe(8 * 1024 * 1024);
  });
});
