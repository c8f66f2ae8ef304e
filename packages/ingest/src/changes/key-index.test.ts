import type { DataFile } from '@floe/iceberg';
import { describe, expect, it } from 'vitest';
import { KeyIndex, keyHash, type RowLocation } from './key-index';

const file = (n: number): DataFile =>
  ({ content: 0, filePath: `s3://bucket/t/data/${n}.parquet`, recordCount: 1000n }) as unknown as DataFile;
const at = (n: number, pos: number): RowLocation => ({ file: file(n), pos: BigInt(pos) });
const seen = (index: KeyIndex, key: string) =>
  index.locations(key).map((l) => `${l.file.filePath.match(/(\d+)\.parquet$/)?.[1]}:${l.pos}`);

/** A small deterministic generator, so that a failure replays. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('KeyIndex', () => {
  it('keeps the latest row per key, as a Map would, through growth, deletes, shrinking and arena compaction', () => {
    const index = KeyIndex.empty(undefined);
    const oracle = new Map<string, string>();
    const next = random(7);
    for (let i = 0; i < 30_000; i += 1) {
      const key = JSON.stringify(`k${Math.floor(next() * 10_000)}`);
      if (next() < 0.3) {
        index.delete(key);
        oracle.delete(key);
      } else {
        const [f, pos] = [Math.floor(next() * 50), Math.floor(next() * 1000)];
        index.set(key, at(f, pos));
        oracle.set(key, `${f}:${pos}`);
      }
    }
    // Tens of bytes a key: 16 a slot at most 3/4 full, and the key's bytes.
    expect(index.bytes / index.size).toBeLessThan(100);
    // Most keys gone: the arena copies the live keys' bytes out of the freed ones, the slots shrink.
    for (let k = 0; k < 10_000; k += 1) {
      if (k % 4 === 0) continue;
      index.delete(JSON.stringify(`k${k}`));
      oracle.delete(JSON.stringify(`k${k}`));
    }
    expect(index.size).toBe(oracle.size);
    const keys = Array.from({ length: 10_000 }, (_, k) => JSON.stringify(`k${k}`));
    expect(keys.map((key) => seen(index, key))).toEqual(
      keys.map((key) => (oracle.has(key) ? [oracle.get(key)] : [])),
    );
  });

  it('tells apart keys of one hash: a lookup matches the key bytes, never the hash alone', () => {
    // Two keys of one 32-bit hash, found by trying "0", "1", "2", … (the birthday bound: ~77k keys).
    const [a, b] = ['40189', '797186'];
    expect(keyHash(a)).toBe(keyHash(b));
    const index = KeyIndex.empty(1n);
    index.set(a, at(1, 10));
    expect(seen(index, b)).toEqual([]);
    index.set(b, at(2, 20));
    expect([seen(index, a), seen(index, b)]).toEqual([['1:10'], ['2:20']]);
    index.delete(a);
    expect([seen(index, a), seen(index, b)]).toEqual([[], ['2:20']]);
  });

  it('keeps every row of a key written twice by another tool, and drops them all at its next change', () => {
    const index = KeyIndex.empty(1n);
    index.add('"a"', at(1, 0));
    index.add('"a"', at(2, 5));
    expect(seen(index, '"a"')).toEqual(['1:0', '2:5']);
    index.set('"a"', at(3, 1));
    expect(seen(index, '"a"')).toEqual(['3:1']);
    expect([index.holds(file(1).filePath), index.holds(file(2).filePath)]).toEqual([false, false]);
  });

  it('comes back from its bytes as it was, and refuses bytes of other key columns or files no longer live', () => {
    const index = KeyIndex.empty(42n);
    for (let k = 0; k < 3000; k += 1) index.set(`"key-${k}-é"`, at(k % 7, k));
    index.delete('"key-5-é"');
    index.add('"key-6-é"', at(9, 1));
    const bytes = index.serialize(['id']);
    const live = new Map(Array.from({ length: 10 }, (_, n) => [file(n).filePath, file(n)]));
    const back = KeyIndex.deserialize(bytes, ['id'], live) as KeyIndex;
    expect([back.snapshotId, back.size]).toEqual([42n, index.size]);
    for (const key of ['"key-0-é"', '"key-5-é"', '"key-6-é"', '"key-2999-é"']) {
      expect(seen(back, key)).toEqual(seen(index, key));
    }
    expect(KeyIndex.deserialize(bytes, ['other'], live)).toBeUndefined();
    live.delete(file(9).filePath);
    expect(KeyIndex.deserialize(bytes, ['id'], live)).toBeUndefined();
  });

  it('forgets a data file once no row points at it', () => {
    const index = KeyIndex.empty(1n);
    index.set('1', at(1, 0));
    index.set('2', at(1, 1));
    index.set('1', at(2, 0));
    expect(index.holds(file(1).filePath)).toBe(true);
    index.delete('2');
    expect(index.holds(file(1).filePath)).toBe(false);
    expect(index.holds(file(2).filePath)).toBe(true);
  });
});
