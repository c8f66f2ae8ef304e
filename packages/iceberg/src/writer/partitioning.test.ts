import { describe, expect, it } from 'vitest';
import { PartitionSpecBuilder } from '../spec/partition-spec';
import { batchPartition, partitionRows } from './partitioning';
import { rowsToArrow } from './rows-to-arrow';
import { everyTypeRows, everyTypeSchema } from './test-rows';

const schema = everyTypeSchema;
const spec = new PartitionSpecBuilder(schema)
  .identity('st.a')
  .day('tstz')
  .truncate('s', 1)
  .bucket('u', 4)
  .build();

describe('partition tuples', () => {
  it('are the same whether read from plain rows or from their Arrow batch', () => {
    for (const row of everyTypeRows) {
      const [group] = partitionRows(schema, spec, [row]);
      expect(batchPartition(schema, spec, [rowsToArrow(schema, [row])])).toEqual(group?.partition);
    }
    // A null struct makes its field's partition value null.
    expect(partitionRows(schema, spec, [everyTypeRows[1] as never])[0]?.partition).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(partitionRows(schema, spec, everyTypeRows)).toHaveLength(4);
  });

  it('refuse Arrow batches that span partitions, naming the first row that differs', () => {
    const same = [
      { id: 1n, st: { a: 1 }, s: 'ab' },
      { id: 2n, st: { a: 1 }, s: 'ac' },
    ];
    const daySpec = new PartitionSpecBuilder(schema).identity('st.a').truncate('s', 1).build();
    expect(batchPartition(schema, daySpec, [rowsToArrow(schema, same)])).toEqual([1, 'a']);
    const mixed = [rowsToArrow(schema, same), rowsToArrow(schema, [{ id: 3n, st: { a: 1 }, s: 'b' }])];
    expect(() => batchPartition(schema, daySpec, mixed)).toThrow(
      'batch 1 row 0 is in partition st.a=1/s_trunc=b, not st.a=1/s_trunc=a: write one partition per call',
    );
  });
});
