import { describe, expect, it } from 'vitest';
import { newSchema } from '../spec/schema';
import { required, T } from '../spec/types';
import { stringifyJson } from '../util/json';
import { requirementToJson, updateToJson } from './table-commit';

describe('REST commit JSON', () => {
  it('writes requirements as the REST spec names them, 64-bit ids exact and null for "no ref yet"', () => {
    expect(
      stringifyJson(
        requirementToJson({ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: 9223372036854775807n }),
      ),
    ).toBe('{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":9223372036854775807}');
    expect(requirementToJson({ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: null })).toEqual({
      type: 'assert-ref-snapshot-id',
      ref: 'main',
      'snapshot-id': null,
    });
    expect(requirementToJson({ type: 'assert-current-schema-id', currentSchemaId: 3 })).toEqual({
      type: 'assert-current-schema-id',
      'current-schema-id': 3,
    });
  });

  it('writes updates as the REST spec names them', () => {
    expect(
      stringifyJson(
        updateToJson({
          action: 'set-snapshot-ref',
          refName: 'main',
          ref: { snapshotId: 1n << 60n, type: 'branch' },
        }),
      ),
    ).toBe(
      '{"action":"set-snapshot-ref","ref-name":"main","snapshot-id":1152921504606846976,"type":"branch"}',
    );
    expect(
      updateToJson({ action: 'add-schema', schema: newSchema([required('id', T.long)]), lastColumnId: 1 }),
    ).toEqual({
      action: 'add-schema',
      schema: {
        type: 'struct',
        'schema-id': 0,
        fields: [{ id: 1, name: 'id', required: true, type: 'long' }],
      },
      'last-column-id': 1,
    });
    expect(stringifyJson(updateToJson({ action: 'remove-snapshots', snapshotIds: [2n ** 63n - 1n] }))).toBe(
      '{"action":"remove-snapshots","snapshot-ids":[9223372036854775807]}',
    );
    expect(updateToJson({ action: 'remove-properties', removals: ['a'] })).toEqual({
      action: 'remove-properties',
      removals: ['a'],
    });
  });
});
