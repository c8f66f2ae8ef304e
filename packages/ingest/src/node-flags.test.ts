import { describe, expect, it } from 'vitest';
import { INGEST_NODE_FLAGS, missingNodeFlags } from './node-flags';

describe('missingNodeFlags', () => {
  it('names each ingest flag the process was started without', () => {
    expect(missingNodeFlags([])).toEqual([...INGEST_NODE_FLAGS]);
    expect(missingNodeFlags(['--import', 'tsx'])).toEqual([...INGEST_NODE_FLAGS]);
  });

  it('accepts a flag given with the same or another value', () => {
    expect(missingNodeFlags([...INGEST_NODE_FLAGS])).toEqual([]);
    expect(missingNodeFlags(['--initial-old-space-size=512'])).toEqual([]);
  });
});
