import { newSchema, optional, required, T } from '@floe/iceberg';
import { describe, expect, it } from 'vitest';
import { KeyColumns } from './change-key';

const schema = newSchema([required('id', T.long), required('region', T.string), optional('score', T.double)]);

describe('KeyColumns', () => {
  it('makes the same key from a value, a Kafka key object and a one-field Kafka key text', () => {
    const keys = new KeyColumns(schema, ['id'], 't');
    const fromValue = keys.ofValue({ id: 12345678901234567890n, region: 'eu' });
    expect(keys.ofKafkaKey(Buffer.from('{"id": 12345678901234567890}'))).toBe(fromValue);
    expect(keys.ofKafkaKey(Buffer.from('{"schema": {}, "payload": {"id": 12345678901234567890}}'))).toBe(
      fromValue,
    );
    expect(keys.ofKafkaKey(Buffer.from('12345678901234567890'))).toBe(fromValue);
  });

  it('keeps two-field keys apart however their text looks', () => {
    const keys = new KeyColumns(schema, ['region', 'id'], 't');
    expect(keys.ofValue({ id: 1n, region: 'a,1' })).not.toBe(keys.ofValue({ id: 1n, region: 'a' }));
    expect(keys.ofKafkaKey(Buffer.from('{"id": 1, "region": "eu"}'))).toBe(
      keys.ofValue({ id: 1n, region: 'eu' }),
    );
  });

  it('gives back the values a key was made of (for equality deletes)', () => {
    const keys = new KeyColumns(schema, ['region', 'id'], 't');
    const row = { region: 'a,"1" -2', id: -12345678901234567890n };
    expect(keys.valuesOf(keys.ofValue(row))).toEqual(row);
  });

  it('rejects a record without its key, naming the field', () => {
    const keys = new KeyColumns(schema, ['id'], 't');
    expect(() => keys.ofValue({ region: 'eu' })).toThrow('the value has no value for the key field id');
    expect(() => keys.ofKafkaKey(null)).toThrow('a tombstone without a Kafka key');
    expect(() => keys.ofKafkaKey(Buffer.from('abc'))).toThrow('key field id is not a whole number');
  });

  it('refuses a key column that is missing or of a type whose values do not compare as text', () => {
    expect(() => new KeyColumns(schema, ['score'], 't')).toThrow('t: the key field score is a double');
    expect(() => new KeyColumns(schema, ['nope'], 't')).toThrow(
      't: the key field nope is not a column of the table',
    );
  });
});
