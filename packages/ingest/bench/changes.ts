// The upsert benchmark's topic: changes to a fixed set of keys, drawn from a seeded generator so that
// every run gets the same stream — about 20% inserts (of a key not in the table), 70% updates and 10%
// deletes (tombstones) of keys in it, until every key is live, when inserts become updates.
import { benchEvent, PARTITIONS } from './events';
import type { BenchMessage } from './topic';

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A set of keys that can hand out a random member and drop one in constant time. */
class KeyPool {
  private readonly keys: number[] = [];
  private readonly at = new Map<number, number>();
  get size(): number {
    return this.keys.length;
  }
  add(key: number): void {
    this.at.set(key, this.keys.length);
    this.keys.push(key);
  }
  take(random: number): number {
    const i = Math.floor(random * this.keys.length);
    const key = this.keys[i] as number;
    const last = this.keys.pop() as number;
    if (last !== key) {
      this.keys[i] = last;
      this.at.set(last, i);
    }
    this.at.delete(key);
    return key;
  }
  has(key: number): boolean {
    return this.at.has(key);
  }
  pick(random: number): number {
    return this.keys[Math.floor(random * this.keys.length)] as number;
  }
}

/** Changes over keys 0…`keys - 1`, one per `next()`; a key always goes to partition key mod partitions. */
export class ChangeStream {
  private readonly random: () => number;
  private readonly live = new KeyPool();
  private readonly dead = new KeyPool();
  private made = 0;
  readonly counts = { inserts: 0, updates: 0, deletes: 0 };

  constructor(keys: number, seed = 42) {
    this.random = seeded(seed);
    for (let k = 0; k < keys; k += 1) this.dead.add(k);
  }

  /** Keys in the table once every change made so far is applied. */
  get liveKeys(): number {
    return this.live.size;
  }

  next(): BenchMessage {
    const i = this.made++;
    const r = this.random();
    let key: number;
    let value: string | null = null;
    if (this.live.size === 0 || (r >= 0.8 && this.dead.size > 0)) {
      key = this.dead.take(this.random());
      this.live.add(key);
      this.counts.inserts += 1;
    } else if (r < 0.1) {
      key = this.live.take(this.random());
      this.dead.add(key);
      this.counts.deletes += 1;
    } else {
      key = this.live.pick(this.random());
      this.counts.updates += 1;
    }
    if (this.live.has(key)) value = `{"id":${key},"version":${i},${benchEvent(i, 0).slice(1)}`;
    return { key: String(key), value, partition: key % PARTITIONS };
  }
}
