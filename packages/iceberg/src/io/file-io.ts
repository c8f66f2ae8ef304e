/** Where table files live: the few operations Iceberg needs of a file system (spec "File System Operations"). */
export interface FileIO {
  /** The whole file; FileNotFoundError when there is none. */
  read(location: string): Promise<Uint8Array>;
  /** Creates or replaces the file; readers never see part of it. */
  write(location: string, body: Uint8Array): Promise<void>;
  exists(location: string): Promise<boolean>;
  /** Removes the file; a missing file is not an error (deletes are retried by cleanup). */
  delete(location: string): Promise<void>;
  /** Every file whose location starts with `prefix`, in no promised order. */
  list(prefix: string): AsyncIterable<FileInfo>;
}

export interface FileInfo {
  location: string;
  size: number;
  /** When the file was last written (epoch ms): orphan removal spares files younger than its window. */
  lastModifiedMs: number;
}

export type FileOperation = 'read' | 'write' | 'exists' | 'delete' | 'list';

export class FileIOError extends Error {
  override name = 'FileIOError';
  constructor(
    readonly operation: FileOperation,
    readonly location: string,
    /** What the store said: an S3 error code such as "SignatureDoesNotMatch", or a Node code such as "EACCES". */
    readonly code: string | undefined,
    /** The HTTP status of an object store's answer, when there was one. */
    readonly status: number | undefined,
    options: { cause: unknown },
  ) {
    const detail = [code, status === undefined ? undefined : `HTTP ${status}`].filter(Boolean).join(', ');
    const message = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`${operation} ${location} failed${detail ? ` (${detail})` : ''}: ${message}`, options);
  }
}

export class FileNotFoundError extends FileIOError {
  override name = 'FileNotFoundError';
}
