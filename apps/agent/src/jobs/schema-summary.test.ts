import { SchemalessJsonDecoder } from '@floe/ingest';
import { describe, expect, it } from 'vitest';
import { summarizeRecords } from './schema-summary';

const record = (value: object | string, key?: string) => ({
  key: key === undefined ? null : Buffer.from(key),
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
});
const summarize = (records: ReturnType<typeof record>[]) =>
  summarizeRecords(records, new SchemalessJsonDecoder());

describe('summarizeRecords', () => {
  it('reads a number as a time only when its name says so, and in the unit its values fit', async () => {
    const { fields } = await summarize([
      record({ created_at: 1_767_225_600, id: 1_767_225_600_000, seen_time: 1_767_225_600_000_000 }),
      record({ created_at: 1_767_225_601, id: 1_767_225_600_001, seen_time: 1_767_225_600_000_001 }),
    ]);
    const hint = (name: string) => fields.find((f) => f.path[0] === name)?.timestamp;
    expect(hint('created_at')).toBe('epoch-s');
    expect(hint('id')).toBeNull();
    expect(hint('seen_time')).toBe('epoch-us');
  });

  it('lists no field of an object keyed by data, and counts what it left out', async () => {
    const byUser = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`user_${i}`, i]));
    const { fields, omittedFields } = await summarize([record({ id: 1, scores: byUser })]);
    expect(fields.map((f) => f.path.join('.'))).toEqual(['id', 'scores']);
    expect(omittedFields).toBe(250);
  });

  it('counts records the format cannot read, and matches a JSON string key to a field', async () => {
    const summary = await summarize([
      record({ id: 'a' }, '"a"'),
      record('not json', 'b'),
      record({ id: 'c' }, 'c'),
    ]);
    expect(summary.rejected).toBe(1);
    expect(summary.fields[0]).toMatchObject({ path: ['id'], matchesRecordKey: true, unique: true });
  });
});
