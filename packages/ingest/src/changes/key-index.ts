import {
  batchRows,
  currentSnapshot,
  type DataFile,
  type FileIO,
  type LiveFile,
  type LoadedTable,
  liveFiles,
  ownChanges,
  readDataFile,
  readPositionDeletes,
  type Snapshot,
  tableName,
} from '@floe/iceberg';
import type { KeyColumns } from './change-key';

/** Positions fit 32 bits (a file of 4 billion rows is cut long before); file numbers the bits above. */
const POSITION_BITS = 2 ** 32;
const READ_CONCURRENCY = 8;
const FIRST_CAPACITY = 1024;
/** The first bytes of a stored index (format 1). */
const STORE_MAGIC = 'FLOEKIX1';
/** The table grows (doubles) past this share of slots used: probes stay short under linear probing. */
const MAX_LOAD = 0.75;
/** It shrinks (halves) below this share: many keys deleted give their memory back. */
const MIN_LOAD = 0.125;

/** A live row of the table: its data file and position (from 0) in it. */
export interface RowLocation {
  file: DataFile;
  pos: bigint;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Where each key's live row is, as of one snapshot of the table: key → data file and position.
 *
 * Kept in typed arrays, not JS objects, so that a key costs tens of bytes: an open-addressing table
 * (linear probing, deletion by backward shift, no tombstones) of 16 bytes a slot — the key's 32-bit
 * hash, where its bytes are, its file number and its position — from 1/8 to 3/4 full, and the key's
 * UTF-8 bytes once in an arena (compacted when half of it is freed keys). A lookup is exact: a slot
 * matches only when the stored bytes equal the key's, so two keys with one hash never share a row
 * and no wrong row is ever deleted. File paths are interned: a file number per data file, counted
 * by the rows pointing at it and freed when none does (the files a compaction removed leave the index).
 *
 * Built by reading the key columns of the live data files less the live position deletes; kept
 * current by each commit Floe makes; caught up across other writers' `replace` snapshots (a
 * compaction) by moving the keys of the files they removed to the rows of the files they added,
 * instead of reading the whole table again. A key found live twice (written by another tool) keeps
 * every location, so its next change deletes them all.
 */
export class KeyIndex {
  /** Per slot: arena offset of the key + 1 (0: an empty slot). */
  private keyAt = new Uint32Array(FIRST_CAPACITY);
  private hashOf = new Uint32Array(FIRST_CAPACITY);
  private fileOf = new Uint32Array(FIRST_CAPACITY);
  private posOf = new Uint32Array(FIRST_CAPACITY);
  private mask = FIRST_CAPACITY - 1;
  private count = 0;
  /** Key bytes, each after its length as a varint. */
  private arena = new Uint8Array(64 * 1024);
  private arenaUsed = 0;
  private arenaFreed = 0;
  private scratch = new Uint8Array(256);
  private readonly files: (DataFile | undefined)[] = [];
  private readonly fileRows: number[] = [];
  private readonly freeFiles: number[] = [];
  private readonly fileNumbers = new Map<string, number>();
  /** Keys live more than once: their other locations (file number × 2³² + position). */
  private readonly duplicates = new Map<string, number[]>();
  /**
   * Other writers' snapshots committed under one of Floe's (its row delta rebased onto them) that the
   * index has not taken yet: compactions, taken at the next catch-up.
   */
  private behind: Snapshot[] = [];

  private constructor(
    /** The snapshot the index reflects (undefined: an empty table). */
    public snapshotId: bigint | undefined,
  ) {}

  static empty(snapshotId: bigint | undefined): KeyIndex {
    return new KeyIndex(snapshotId);
  }

  /** Reads the key columns of every live row of the table's current snapshot. Equality deletes are refused. */
  static async build(io: FileIO, table: LoadedTable, keys: KeyColumns): Promise<KeyIndex> {
    const snapshot = currentSnapshot(table.metadata);
    const index = new KeyIndex(snapshot?.snapshotId);
    const live = await liveFiles(io, table.metadata, snapshot);
    const equality = live.find((f) => f.file.content === 2);
    if (equality !== undefined) {
      throw new Error(
        `${tableName(table.identifier)}: ${equality.file.filePath} is an equality delete file; Floe keeps keys with position deletes only`,
      );
    }
    const deleted = new Map<string, (readonly number[])[]>();
    await inParallel(
      live.filter((f) => f.file.content === 1),
      async (f) => {
        // Parquet position delete files and deletion vectors alike.
        for (const [path, positions] of await readPositionDeletes(io, f.file)) {
          deleted.set(path, [...(deleted.get(path) ?? []), positions]);
        }
      },
    );
    // Each file's keys go into the index as it is read: only READ_CONCURRENCY files' keys are held at once.
    await inParallel(
      live.filter((f) => f.file.content === 0),
      async (f) => {
        const gone = new Uint8Array(Number(f.file.recordCount));
        for (const positions of deleted.get(f.file.filePath) ?? []) for (const p of positions) gone[p] = 1;
        await readKeys(io, table, f, keys, (key, pos) => {
          if (gone[pos] !== 1) index.add(key, { file: f.file, pos: BigInt(pos) });
        });
      },
    );
    return index;
  }

  /**
   * Brings the index to the table's current snapshot from the snapshots since its own, without reading
   * the table whole: each one's deletes by position, the data files it removed and the rows of those it
   * added. A compaction (`replace`) moves keys from the files it removed to the rows of those it added;
   * another writer's commit, or Floe's own that the index did not take (an unknown outcome, a restart
   * from a stored index), deletes and adds keys. False when it cannot (equality deletes, a history that
   * no longer holds the index's snapshot, a compaction whose rows do not match the index): the index is
   * then spoilt, and must be built again.
   */
  async catchUp(io: FileIO, table: LoadedTable, keys: KeyColumns): Promise<boolean> {
    const byId = new Map(table.metadata.snapshots.map((s) => [s.snapshotId, s]));
    const since: Snapshot[] = [];
    let at = table.metadata.currentSnapshotId ?? undefined;
    while (at !== this.snapshotId) {
      const snapshot = at === undefined ? undefined : byId.get(at);
      if (snapshot === undefined) return false; // not an ancestor (or expired): read the table again
      since.unshift(snapshot);
      at = snapshot.parentSnapshotId ?? undefined;
    }
    for (const snapshot of [...this.behind, ...since]) {
      if (!(await this.take(io, table, keys, snapshot))) return false;
    }
    this.behind = [];
    this.snapshotId = table.metadata.currentSnapshotId ?? undefined;
    return true;
  }

  /**
   * Floe's commit landed on other writers' snapshots (`between`, oldest first) rather than on the
   * snapshot the index reflects; the index has taken the commit and takes those at the next catch-up
   * (a replace moves rows Floe's commit did not touch: a row delta on a removed file would have failed).
   */
  landedOn(between: readonly Snapshot[], snapshotId: bigint): void {
    this.behind.push(...between);
    this.snapshotId = snapshotId;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes the index holds in typed arrays (slots and key bytes): its memory, less the interned files. */
  get bytes(): number {
    return this.keyAt.byteLength * 4 + this.arena.byteLength;
  }

  /** Every live row of the key (one, unless another tool wrote the key twice). */
  locations(key: string): RowLocation[] {
    const slot = this.find(key);
    if (slot < 0) return [];
    return [this.slotLocation(slot), ...(this.duplicates.get(key) ?? []).map((n) => this.location(n))];
  }

  /** The key's row is now this one (its old rows were deleted in the same commit). */
  set(key: string, location: RowLocation): void {
    this.dropDuplicates(key);
    const slot = this.find(key);
    const file = this.fileNumber(location.file);
    if (slot >= 0) {
      this.release(this.fileOf[slot] as number);
      this.fileOf[slot] = file;
      this.posOf[slot] = Number(location.pos);
      return;
    }
    this.insert(-slot - 1, file, Number(location.pos));
  }

  delete(key: string): void {
    this.dropDuplicates(key);
    const slot = this.find(key);
    if (slot < 0) return;
    this.release(this.fileOf[slot] as number);
    this.removeSlot(slot);
  }

  /** Adds a live row of the key; a key already in the index keeps both (see the class). */
  add(key: string, location: RowLocation): void {
    const slot = this.find(key);
    const file = this.fileNumber(location.file);
    if (slot < 0) {
      this.insert(-slot - 1, file, Number(location.pos));
      return;
    }
    this.duplicates.set(key, [
      ...(this.duplicates.get(key) ?? []),
      file * POSITION_BITS + Number(location.pos),
    ]);
  }

  /** Whether a row of the index points into the data file (its number is freed when none does). */
  holds(filePath: string): boolean {
    return this.fileNumbers.has(filePath);
  }

  /**
   * The index as bytes, to be stored beside the table: a JSON header (snapshot, key columns, files by
   * number, keys live twice), then per key its file number and position (32 bits each) and its arena
   * entry, in slot order.
   */
  serialize(keyNames: readonly string[]): Uint8Array {
    const files = new Uint32Array(this.count);
    const positions = new Uint32Array(this.count);
    const entries: Uint8Array[] = [];
    let n = 0;
    for (let slot = 0; slot <= this.mask; slot += 1) {
      const at = this.keyAt[slot] as number;
      if (at === 0) continue;
      files[n] = this.fileOf[slot] as number;
      positions[n] = this.posOf[slot] as number;
      entries.push(this.arena.subarray(at - 1, at - 1 + this.entryLength(at - 1)));
      n += 1;
    }
    const header = encoder.encode(
      JSON.stringify({
        snapshotId: this.snapshotId?.toString() ?? null,
        keys: keyNames,
        files: this.files.map((f) => f?.filePath ?? null),
        count: this.count,
        duplicates: [...this.duplicates],
      }),
    );
    const out = Buffer.allocUnsafe(STORE_MAGIC.length + 4 + header.length);
    out.write(STORE_MAGIC, 0, 'latin1');
    out.writeUInt32LE(header.length, STORE_MAGIC.length);
    out.set(header, STORE_MAGIC.length + 4);
    return Buffer.concat([out, new Uint8Array(files.buffer), new Uint8Array(positions.buffer), ...entries]);
  }

  /**
   * An index from `serialize`'s bytes, its files found among `dataFiles` (the live data files of its
   * snapshot); undefined when the bytes are of other key columns or name a file not live there.
   */
  static deserialize(
    bytes: Uint8Array,
    keyNames: readonly string[],
    dataFiles: ReadonlyMap<string, DataFile>,
  ): KeyIndex | undefined {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buffer.toString('latin1', 0, STORE_MAGIC.length) !== STORE_MAGIC) return undefined;
    const headerLength = buffer.readUInt32LE(STORE_MAGIC.length);
    let at = STORE_MAGIC.length + 4;
    const header = JSON.parse(buffer.toString('utf8', at, at + headerLength)) as {
      snapshotId: string | null;
      keys: string[];
      files: (string | null)[];
      count: number;
      duplicates: [string, number[]][];
    };
    at += headerLength;
    if (JSON.stringify(header.keys) !== JSON.stringify(keyNames)) return undefined;
    const files = header.files.map((path) => (path === null ? undefined : dataFiles.get(path)));
    if (header.files.some((path, i) => path !== null && files[i] === undefined)) return undefined;
    const numbers = new Uint32Array(
      buffer.buffer.slice(buffer.byteOffset + at, buffer.byteOffset + at + 4 * header.count),
    );
    at += 4 * header.count;
    const positions = new Uint32Array(
      buffer.buffer.slice(buffer.byteOffset + at, buffer.byteOffset + at + 4 * header.count),
    );
    at += 4 * header.count;
    const index = new KeyIndex(header.snapshotId === null ? undefined : BigInt(header.snapshotId));
    for (let i = 0; i < header.count; i += 1) {
      const { start, length } = keySpan(buffer, at);
      if (index.scratch.length < length) index.scratch = new Uint8Array(length);
      index.scratch.set(buffer.subarray(start, start + length));
      index.scratchLength = length;
      const slot = index.findScratch(length);
      const file = files[numbers[i] as number];
      if (slot >= 0 || file === undefined) return undefined;
      index.insert(-slot - 1, index.fileNumber(file), positions[i] as number);
      at = start + length;
    }
    if (at !== buffer.length) return undefined;
    for (const [key, locations] of header.duplicates) {
      for (const n of locations) {
        const file = files[Math.floor(n / POSITION_BITS)];
        if (file === undefined) return undefined;
        index.add(key, { file, pos: BigInt(n % POSITION_BITS) });
      }
    }
    return index;
  }

  /** One snapshot's changes to the table's live rows (see `catchUp`). */
  private async take(io: FileIO, table: LoadedTable, keys: KeyColumns, snapshot: Snapshot): Promise<boolean> {
    const { added, removed } = await ownChanges(io, table.metadata, [snapshot]);
    if (added.some((f) => f.file.content === 2)) return false; // equality deletes: no positions to follow
    const replace = snapshot.summary.operation === 'replace';
    const addedDeletes = added.filter((f) => f.file.content === 1);
    // Keys live twice are not followed through another writer's commit.
    if (!replace && this.duplicates.size > 0) return false;
    const deleted = new Map<string, Set<number>>();
    await inParallel(addedDeletes, async (f) => {
      // A deletion vector holds its file's earlier deletes too: those rows have left the index already.
      for (const [path, positions] of await readPositionDeletes(io, f.file)) {
        const set = deleted.get(path) ?? new Set<number>();
        for (const p of positions) set.add(p);
        deleted.set(path, set);
      }
    });
    const deletedIn = new Map(
      [...deleted].flatMap(([path, set]) => {
        const n = this.fileNumbers.get(path);
        return n === undefined ? [] : [[n, set] as const];
      }),
    );
    const deletedKeys = this.keysWhere((n, pos) => deletedIn.get(n)?.has(pos) === true);
    // A compaction's deletes are of rows deleted before it (carried for files it keeps, or followed to
    // the rows it moved, which are skipped below): one of a live row would change which rows are live.
    if (replace && deletedKeys.length > 0) return false;
    for (const key of deletedKeys) this.delete(key);
    // Keys left in removed data files move to the added ones (a compaction), or are gone.
    const fromPaths = removed.filter((f) => f.file.content === 0).map((f) => f.file.filePath);
    // Held until the end, so that no added file takes a removed one's number while keys move.
    const from = new Set(fromPaths.flatMap((path) => this.fileNumbers.get(path) ?? []));
    for (const n of from) this.fileRows[n] = (this.fileRows[n] as number) + 1;
    let matches = true;
    await inParallel(
      added.filter((f) => f.file.content === 0),
      async (f) => {
        const gone = deleted.get(f.file.filePath);
        const to = this.fileNumber(f.file); // held while its rows come in
        await readKeys(io, table, f, keys, (key, pos) => {
          if (gone?.has(pos)) return;
          const slot = this.find(key);
          if (slot >= 0 && from.has(this.fileOf[slot] as number) && !this.duplicates.has(key)) {
            this.release(this.fileOf[slot] as number);
            this.fileRows[to] = (this.fileRows[to] as number) + 1;
            this.fileOf[slot] = to;
            this.posOf[slot] = pos;
          } else if (replace) {
            matches = false; // a compaction writes no row it did not read
          } else {
            this.add(key, { file: f.file, pos: BigInt(pos) });
          }
        });
        this.release(to);
      },
    );
    if (!matches) return false;
    // Rows of removed files not found again: a compaction must have moved them all; a delete removed them.
    const left = this.keysWhere((n) => from.has(n));
    if (replace && left.length > 0) return false;
    for (const key of left) this.delete(key);
    for (const n of from) this.release(n);
    return fromPaths.every((path) => !this.holds(path));
  }

  /** The keys whose row is at a location (file number, position) that passes the test. */
  private keysWhere(test: (fileNumber: number, pos: number) => boolean): string[] {
    const found: string[] = [];
    for (let slot = 0; slot <= this.mask; slot += 1) {
      const at = this.keyAt[slot] as number;
      if (at !== 0 && test(this.fileOf[slot] as number, this.posOf[slot] as number)) {
        found.push(this.storedKey(at - 1));
      }
    }
    return found;
  }

  /** The key stored at an arena offset. */
  private storedKey(at: number): string {
    const { start, length } = keySpan(this.arena, at);
    return decoder.decode(this.arena.subarray(start, start + length));
  }

  /** The slot of the key, or −(the empty slot where it would go) − 1. */
  private find(key: string): number {
    return this.findScratch(this.encode(key));
  }

  /** `find` for the key whose bytes are in the scratch buffer. */
  private findScratch(length: number): number {
    const hash = hashBytes(this.scratch, length);
    this.scratchHash = hash;
    let slot = hash & this.mask;
    for (;;) {
      const at = this.keyAt[slot] as number;
      if (at === 0) return -slot - 1;
      if (this.hashOf[slot] === hash && this.storedEquals(at - 1, length)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Inserts the key last encoded (by `find`) at an empty slot. */
  private insert(slot: number, file: number, pos: number): void {
    this.keyAt[slot] = this.store(this.scratchLength) + 1;
    this.hashOf[slot] = this.scratchHash;
    this.fileOf[slot] = file;
    this.posOf[slot] = pos;
    this.count += 1;
    if (this.count > (this.mask + 1) * MAX_LOAD) this.resize((this.mask + 1) * 2);
  }

  /** Empties a slot, moving later slots of its probe run back so that no lookup stops short. */
  private removeSlot(slot: number): void {
    const at = (this.keyAt[slot] as number) - 1;
    this.arenaFreed += this.entryLength(at);
    let hole = slot;
    let next = slot;
    for (;;) {
      next = (next + 1) & this.mask;
      if (this.keyAt[next] === 0) break;
      const home = (this.hashOf[next] as number) & this.mask;
      // The entry at `next` may fill the hole unless its home lies cyclically in (hole, next].
      const between = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (between) continue;
      this.keyAt[hole] = this.keyAt[next] as number;
      this.hashOf[hole] = this.hashOf[next] as number;
      this.fileOf[hole] = this.fileOf[next] as number;
      this.posOf[hole] = this.posOf[next] as number;
      hole = next;
    }
    this.keyAt[hole] = 0;
    this.count -= 1;
    if (this.mask + 1 > FIRST_CAPACITY && this.count < (this.mask + 1) * MIN_LOAD)
      this.resize((this.mask + 1) / 2);
    if (this.arenaFreed > 64 * 1024 && this.arenaFreed * 2 > this.arenaUsed) this.compactArena();
  }

  private resize(capacity: number): void {
    const { keyAt, hashOf, fileOf, posOf } = this;
    this.keyAt = new Uint32Array(capacity);
    this.hashOf = new Uint32Array(capacity);
    this.fileOf = new Uint32Array(capacity);
    this.posOf = new Uint32Array(capacity);
    this.mask = capacity - 1;
    for (let old = 0; old < keyAt.length; old += 1) {
      if (keyAt[old] === 0) continue;
      let slot = (hashOf[old] as number) & this.mask;
      while (this.keyAt[slot] !== 0) slot = (slot + 1) & this.mask;
      this.keyAt[slot] = keyAt[old] as number;
      this.hashOf[slot] = hashOf[old] as number;
      this.fileOf[slot] = fileOf[old] as number;
      this.posOf[slot] = posOf[old] as number;
    }
  }

  /** Copies the live keys' bytes into a fresh arena (deleted keys leave theirs behind). */
  private compactArena(): void {
    const old = this.arena;
    const live = this.arenaUsed - this.arenaFreed;
    this.arena = new Uint8Array(Math.max(64 * 1024, live * 2));
    this.arenaUsed = 0;
    for (let slot = 0; slot <= this.mask; slot += 1) {
      const at = this.keyAt[slot] as number;
      if (at === 0) continue;
      const length = entryLengthIn(old, at - 1);
      this.arena.set(old.subarray(at - 1, at - 1 + length), this.arenaUsed);
      this.keyAt[slot] = this.arenaUsed + 1;
      this.arenaUsed += length;
    }
    this.arenaFreed = 0;
  }

  /** The key `find` last looked up: its length in the scratch buffer, and its hash. */
  private scratchLength = 0;
  private scratchHash = 0;

  /** The key's UTF-8 bytes into the scratch buffer; their length. */
  private encode(key: string): number {
    if (this.scratch.length < key.length * 3) this.scratch = new Uint8Array(key.length * 3);
    this.scratchLength = encoder.encodeInto(key, this.scratch).written;
    return this.scratchLength;
  }

  /** Appends the scratch key (varint length, bytes) to the arena; its offset. */
  private store(length: number): number {
    const need = this.arenaUsed + 5 + length;
    if (need > this.arena.length) {
      if (need > 0xfffffffe) throw new Error('the key index holds more than 4 GiB of keys');
      const grown = new Uint8Array(Math.min(0xfffffffe, Math.max(need, this.arena.length * 2)));
      grown.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = grown;
    }
    const at = this.arenaUsed;
    let p = at;
    let n = length;
    while (n >= 0x80) {
      this.arena[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.arena[p++] = n;
    this.arena.set(this.scratch.subarray(0, length), p);
    this.arenaUsed = p + length;
    return at;
  }

  private storedEquals(at: number, length: number): boolean {
    const stored = keySpan(this.arena, at);
    if (stored.length !== length) return false;
    for (let i = 0; i < length; i += 1) if (this.arena[stored.start + i] !== this.scratch[i]) return false;
    return true;
  }

  private entryLength(at: number): number {
    return entryLengthIn(this.arena, at);
  }

  private fileNumber(file: DataFile): number {
    let number = this.fileNumbers.get(file.filePath);
    if (number === undefined) {
      number = this.freeFiles.pop() ?? this.files.length;
      this.files[number] = file;
      this.fileRows[number] = 0;
      this.fileNumbers.set(file.filePath, number);
    }
    this.fileRows[number] = (this.fileRows[number] as number) + 1;
    return number;
  }

  /** One row less points at the file; a file no row points at is forgotten. */
  private release(number: number): void {
    const rows = (this.fileRows[number] as number) - 1;
    this.fileRows[number] = rows;
    if (rows > 0) return;
    this.fileNumbers.delete((this.files[number] as DataFile).filePath);
    this.files[number] = undefined;
    this.freeFiles.push(number);
  }

  private dropDuplicates(key: string): void {
    for (const n of this.duplicates.get(key) ?? []) this.release(Math.floor(n / POSITION_BITS));
    this.duplicates.delete(key);
  }

  private slotLocation(slot: number): RowLocation {
    return {
      file: this.files[this.fileOf[slot] as number] as DataFile,
      pos: BigInt(this.posOf[slot] as number),
    };
  }

  private location(at: number): RowLocation {
    return { file: this.files[Math.floor(at / POSITION_BITS)] as DataFile, pos: BigInt(at % POSITION_BITS) };
  }
}

/** The 32-bit hash of a key in the index (its slot's start). */
export function keyHash(key: string): number {
  return hashBytes(encoder.encode(key), Buffer.byteLength(key));
}

/** FNV-1a over the bytes, then murmur3's finalizer so that close keys spread over the slots. */
function hashBytes(bytes: Uint8Array, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i += 1) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Where an arena entry's key bytes start (after its varint length), and how many there are. */
function keySpan(arena: Uint8Array, at: number): { start: number; length: number } {
  let p = at;
  let length = 0;
  let shift = 0;
  for (;;) {
    const b = arena[p++] as number;
    length |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  return { start: p, length };
}

/** The bytes an arena entry takes: its varint length and the key. */
function entryLengthIn(arena: Uint8Array, at: number): number {
  const { start, length } = keySpan(arena, at);
  return start - at + length;
}

/** The key of each row of a data file, with its position. */
async function readKeys(
  io: FileIO,
  table: LoadedTable,
  file: LiveFile,
  keys: KeyColumns,
  each: (key: string, pos: number) => void,
): Promise<void> {
  const schema = keys.schema();
  let pos = 0;
  for (const batch of await readDataFile(io, table, file, schema)) {
    for (const row of batchRows(schema, batch)) each(keys.ofValue(row, file.file.filePath), pos++);
  }
}

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, items.length) }, worker));
}
