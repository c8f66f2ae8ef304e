import { describe, expect, it } from 'vitest';
import { discoveredFieldSchema, isReportableFieldName, kafkaDescriptionSchema } from './discovery';

const field = {
  path: ['customer', 'email'],
  type: 'string',
  elementType: null,
  presentRatio: 1,
  nullRatio: 0,
  timestamp: null,
  unique: false,
  matchesRecordKey: false,
};

describe('the discovery result schema', () => {
  it('takes a field summary, and drops whatever else an agent puts beside it', () => {
    const parsed = discoveredFieldSchema.parse({ ...field, example: 'alice@example.com' });
    expect(parsed).toEqual(field);
    expect(
      JSON.stringify(kafkaDescriptionSchema.parse({ topics: [], truncated: false, sample: null, note: 'x' })),
    ).not.toContain('note');
  });

  it('refuses a field name that is data rather than a name: long, spaced, or credential-shaped', () => {
    expect(isReportableFieldName('ordered_at')).toBe(true);
    expect(isReportableFieldName('$meta')).toBe(true);
    for (const name of [
      'a'.repeat(65),
      'card number',
      'alice@example.com.',
      'sk_live_0123456789abcdef',
      'AKIAABCDEFGHIJKLMNOP',
      '4111111111111111',
      '',
    ])
      expect(discoveredFieldSchema.safeParse({ ...field, path: [name] }).success, name).toBe(false);
  });

  it('names types from a fixed list, never free text', () => {
    for (const type of ['decimal(38,0)', 'fixed[16]', 'timestamptz', 'list'])
      expect(discoveredFieldSchema.safeParse({ ...field, type }).success, type).toBe(true);
    for (const type of ['string secret', 'decimal(38,0) x', 'varchar'])
      expect(discoveredFieldSchema.safeParse({ ...field, type }).success, type).toBe(false);
  });
});
