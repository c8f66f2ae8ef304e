import { describe, expect, it } from 'vitest';
import { readChangeEvent } from './debezium';

const read = (text: string) => {
  const e = readChangeEvent(Buffer.from(text));
  return { op: e.op, before: e.before?.toString() ?? null, after: e.after?.toString() ?? null };
};

describe('readChangeEvent', () => {
  it('slices the images from the text as produced (numbers, escapes and non-ASCII kept byte for byte)', () => {
    const after =
      '{"id": 12345678901234567890, "price": 1.10, "name": "caf\\u00e9 \\"x\\" ü", "tags": [1, {"a": "}"}]}';
    expect(read(`{"before": null, "after": ${after}, "op": "c", "source": {"lsn": 7, "ts_ms": 1}}`)).toEqual({
      op: 'c',
      before: null,
      after,
    });
  });

  it('reads the envelope inside a JSON converter schema/payload wrapper', () => {
    expect(
      read(
        '{"schema": {"type": "struct", "fields": []}, "payload": {"op": "d", "before": {"id": 1}, "after": null}}',
      ),
    ).toEqual({ op: 'd', before: '{"id": 1}', after: null });
  });

  it('rejects what is not a change event, naming why', () => {
    expect(() => read('{"op": "x", "after": {}}')).toThrow('op is "x", not one of c, r, u, d');
    expect(() => read('{"id": 1}')).toThrow('op is missing');
    expect(() => read('{"op": "u", "before": {"id": 1}, "after": null}')).toThrow(
      'a change of op u has no after image',
    );
    expect(() => read('{"op": "c", "after": [1]}')).toThrow('after is not an object or null');
    expect(() => read('{"op": "c", "after": {"id": 1')).toThrow('invalid JSON');
  });
});
