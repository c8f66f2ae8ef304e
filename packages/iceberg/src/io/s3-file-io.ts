import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { type FileInfo, type FileIO, FileIOError, FileNotFoundError, type FileOperation } from './file-io';

export interface S3FileIOOptions {
  region: string;
  /** A custom endpoint (moto, MinIO, ...); unset for AWS itself. */
  endpoint?: string;
  /**
   * Static keys or, better, a provider the SDK calls again before the credentials expire (e.g.
   * fromTemporaryCredentials for an assumed role), so a long-running writer keeps working.
   */
  credentials?: S3ClientConfig['credentials'];
  /** Path-style URLs (http://host/bucket/key); by default on exactly when a custom endpoint is set. */
  forcePathStyle?: boolean;
  /** Bodies of at least this many bytes go up as a multipart upload (default 32 MiB). */
  multipartThresholdBytes?: number;
  /** Part size of a multipart upload (default 16 MiB; S3's minimum is 5 MiB). */
  partSizeBytes?: number;
}

const MiB = 1024 * 1024;
const S3_SCHEMES = ['s3://', 's3a://', 's3n://'];

/** FileIO on S3 and S3-compatible stores, for locations such as s3://bucket/path/file.parquet. */
export class S3FileIO implements FileIO {
  private readonly client: S3Client;
  private readonly multipartThreshold: number;
  private readonly partSize: number;

  constructor(options: S3FileIOOptions) {
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.credentials,
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    });
    this.multipartThreshold = options.multipartThresholdBytes ?? 32 * MiB;
    this.partSize = options.partSizeBytes ?? 16 * MiB;
  }

  async read(location: string): Promise<Uint8Array> {
    const { bucket, key } = parseS3Location(location);
    return this.run('read', location, async () => {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (out.Body === undefined) throw new Error('the response has no body');
      return out.Body.transformToByteArray();
    });
  }

  async write(location: string, body: Uint8Array): Promise<void> {
    const { bucket, key } = parseS3Location(location);
    await this.run('write', location, async () => {
      if (body.byteLength < this.multipartThreshold) {
        await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
        return;
      }
      // Parts go up 4 at a time; a failed upload is aborted so no orphaned parts are billed.
      const upload = new Upload({
        client: this.client,
        params: { Bucket: bucket, Key: key, Body: body },
        partSize: this.partSize,
        queueSize: 4,
        leavePartsOnError: false,
      });
      await upload.done();
    });
  }

  async exists(location: string): Promise<boolean> {
    const { bucket, key } = parseS3Location(location);
    try {
      await this.run('exists', location, () =>
        this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
      );
      return true;
    } catch (error) {
      if (error instanceof FileNotFoundError) return false;
      throw error;
    }
  }

  async delete(location: string): Promise<void> {
    const { bucket, key } = parseS3Location(location);
    await this.run('delete', location, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
    );
  }

  async *list(prefix: string): AsyncIterable<FileInfo> {
    const { bucket, key, scheme } = parseS3Location(prefix);
    let continuationToken: string | undefined;
    do {
      const page = await this.run('list', prefix, () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: continuationToken }),
        ),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) {
          yield {
            location: `${scheme}${bucket}/${object.Key}`,
            size: object.Size ?? 0,
            // S3 always sends LastModified; a listing without it would make every file look brand new.
            lastModifiedMs: object.LastModified?.getTime() ?? Number.NaN,
          };
        }
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
  }

  /** Releases the client's sockets. */
  close(): void {
    this.client.destroy();
  }

  private async run<T>(operation: FileOperation, location: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const code = error instanceof Error ? error.name : undefined;
      // HEAD answers carry no body, so a missing key shows only as a 404 named "NotFound".
      const missing = code === 'NoSuchKey' || (status === 404 && code !== 'NoSuchBucket');
      const ErrorClass = missing ? FileNotFoundError : FileIOError;
      throw new ErrorClass(operation, location, code, status, { cause: error });
    }
  }
}

export function parseS3Location(location: string): { scheme: string; bucket: string; key: string } {
  const scheme = S3_SCHEMES.find((s) => location.startsWith(s));
  if (scheme === undefined) throw new Error(`not an S3 location: "${location}" (expected s3://bucket/key)`);
  const rest = location.slice(scheme.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  if (bucket === '') throw new Error(`S3 location "${location}" has no bucket`);
  return { scheme, bucket, key: slash === -1 ? '' : rest.slice(slash + 1) };
}
