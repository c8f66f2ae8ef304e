import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileNotFoundError } from './file-io';
import { LocalFileIO } from './local-file-io';

describe('LocalFileIO', () => {
  const io = new LocalFileIO();
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'floe-local-io-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes (creating folders), reads, lists by prefix and deletes, for paths and file:// URLs', async () => {
    const a = join(dir, 'table/data/part-1.parquet');
    const b = pathToFileURL(join(dir, 'table/data/part-2.parquet')).href;
    await io.write(a, new Uint8Array([1, 2, 3]));
    await io.write(b, new Uint8Array([4]));
    await io.write(join(dir, 'table/metadata/v1.json'), new TextEncoder().encode('{}'));
    const written = new Date('2021-03-04T05:06:07.000Z');
    await utimes(a, written, written);
    expect(await io.read(a)).toEqual(new Uint8Array([1, 2, 3]));
    expect(await io.exists(b)).toBe(true);

    const listed = [];
    for await (const f of io.list(join(dir, 'table/data/part-'))) listed.push(f);
    expect(listed.sort((x, y) => x.location.localeCompare(y.location))).toEqual([
      { location: a, size: 3, lastModifiedMs: written.getTime() },
      { location: join(dir, 'table/data/part-2.parquet'), size: 1, lastModifiedMs: expect.any(Number) },
    ]);

    await io.delete(a);
    await io.delete(a); // a second delete is not an error
    expect(await io.exists(a)).toBe(false);
  });

  it('replaces a file whole and reports a missing one as FileNotFoundError naming it', async () => {
    const f = join(dir, 'x.bin');
    await io.write(f, new Uint8Array(10));
    await io.write(f, new Uint8Array([9]));
    expect(await io.read(f)).toEqual(new Uint8Array([9]));
    const missing = join(dir, 'nope.bin');
    await expect(io.read(missing)).rejects.toThrow(FileNotFoundError);
    await expect(io.read(missing)).rejects.toThrow(`read ${missing} failed (ENOENT)`);
  });

  it('lists nothing under a prefix that does not exist', async () => {
    const listed = [];
    for await (const f of io.list(join(dir, 'none/'))) listed.push(f);
    expect(listed).toEqual([]);
  });
});
