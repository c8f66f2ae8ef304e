import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type FileInfo, type FileIO, FileIOError, FileNotFoundError, type FileOperation } from './file-io';

/** FileIO on the local disk, for file:///abs/path or plain absolute paths (tests, single-machine use). */
export class LocalFileIO implements FileIO {
  async read(location: string): Promise<Uint8Array> {
    return this.run('read', location, async () => new Uint8Array(await readFile(toPath(location))));
  }

  async write(location: string, body: Uint8Array): Promise<void> {
    const path = toPath(location);
    await this.run('write', location, async () => {
      await mkdir(dirname(path), { recursive: true });
      // Write beside the target, then rename: a reader sees the old file or the whole new one.
      const temporary = `${path}.${randomUUID()}.tmp`;
      try {
        await writeFile(temporary, body);
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    });
  }

  async exists(location: string): Promise<boolean> {
    try {
      return await this.run('exists', location, async () => (await stat(toPath(location))).isFile());
    } catch (error) {
      if (error instanceof FileNotFoundError) return false;
      throw error;
    }
  }

  async delete(location: string): Promise<void> {
    await this.run('delete', location, () => rm(toPath(location), { force: true }));
  }

  async *list(prefix: string): AsyncIterable<FileInfo> {
    const path = toPath(prefix);
    const asUrl = prefix.startsWith('file:');
    // The prefix may end inside a name ("data/part-"): walk its directory and filter.
    const root = prefix.endsWith('/') ? path : dirname(path);
    const entries = await this.run('list', prefix, async () => {
      try {
        return await readdir(root, { recursive: true, withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
    });
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const file = join(entry.parentPath, entry.name);
      if (!file.startsWith(path)) continue;
      const { size, mtimeMs } = await stat(file);
      yield { location: asUrl ? pathToFileURL(file).href : file, size, lastModifiedMs: Math.trunc(mtimeMs) };
    }
  }

  private async run<T>(operation: FileOperation, location: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const ErrorClass = code === 'ENOENT' ? FileNotFoundError : FileIOError;
      throw new ErrorClass(operation, location, code, undefined, { cause: error });
    }
  }
}

function toPath(location: string): string {
  if (location.startsWith('file:')) return fileURLToPath(location);
  if (!location.startsWith('/'))
    throw new Error(`not a local location: "${location}" (expected file:///... or /...)`);
  return location;
}
