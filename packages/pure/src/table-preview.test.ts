import { describe, expect, it } from 'vitest';
import { tablePreview } from './table-preview';
import type { DiscoveredField } from './table-proposal';

const fields: DiscoveredField[] = [
  { path: ['name'], type: 'string', timestamp: null },
  { path: ['id'], type: 'long', timestamp: null },
  { path: ['address'], type: 'struct', timestamp: null },
  { path: ['address', 'city'], type: 'string', timestamp: null },
];

describe('the table preview', () => {
  it('puts the key first, marked, and says a record replaces its row and a tombstone deletes it', () => {
    const preview = tablePreview({ mode: 'upsert', key: ['id'], deletes: 'deletion-vectors', fields });
    expect(preview.columns).toEqual([
      { name: 'id', type: 'long', identifier: true },
      { name: 'name', type: 'string', identifier: false },
      { name: 'address', type: 'struct', identifier: false },
      { name: '_kafka', type: 'struct', identifier: false },
    ]);
    expect(preview.rules[0]).toBe(
      'a record with key (id) replaces the row with that id, or adds it when there is none',
    );
    expect(preview.rules[1]).toContain('a tombstone (a null value) deletes the row with that id');
    expect(preview.deletes).toContain('deletion vectors in Puffin files (an Iceberg v3 table)');
  });

  it('names a key the schema did not propose, its type left to the first records', () => {
    const preview = tablePreview({
      mode: 'cdc',
      key: ['id', 'region'],
      deletes: 'position-deletes',
      fields: [],
    });
    expect(preview.columns.slice(0, 2)).toEqual([
      { name: 'id', type: null, identifier: true },
      { name: 'region', type: null, identifier: true },
    ]);
    expect(preview.rules.join(' ')).toContain(
      'Debezium op d deletes the row with those id, region; the before-image is not kept',
    );
    expect(preview.deletes).toContain('position delete files (an Iceberg v2 table)');
    expect(tablePreview({ mode: 'cdc', key: ['id'], deletes: 'equality-deletes', fields }).deletes).toContain(
      'pyiceberg would return deleted rows',
    );
  });

  it('keeps no key and deletes nothing in an append table', () => {
    const preview = tablePreview({ mode: 'append', key: ['id'], deletes: 'deletion-vectors', fields });
    expect(preview.columns.some((c) => c.identifier)).toBe(false);
    expect(preview.deletes).toBeNull();
  });
});
