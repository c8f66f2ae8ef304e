import { randomBytes } from 'node:crypto';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { type FileInfo, FileIOError, FileNotFoundError } from './file-io';
import { parseS3Location, S3FileIO } from './s3-file-io';

// Against the local stack's moto server, which checks signatures (credential checks on).
const env = {
  endpoint: process.env.FLOE_S3_ENDPOINT as string,
  region: process.env.FLOE_AWS_REGION as string,
  accessKeyId: process.env.FLOE_AWS_ACCESS_KEY_ID as string,
  secretAccessKey: process.env.FLOE_AWS_SECRET_ACCESS_KEY as string,
  bucket: process.env.FLOE_WAREHOUSE_BUCKET as string,
};
const prefix = `s3://${env.bucket}/floe-io-test-${randomBytes(6).toString('hex')}/`;
const admin = { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey };
const io = new S3FileIO({ region: env.region, endpoint: env.endpoint, credentials: admin });
// The SDK itself, to check what S3FileIO reports against the store's own answer.
const raw = new S3Client({
  region: env.region,
  endpoint: env.endpoint,
  credentials: admin,
  forcePathStyle: true,
});

async function collect(files: AsyncIterable<FileInfo>): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  for await (const f of files) out.push(f);
  return out.sort((a, b) => a.location.localeCompare(b.location));
}

afterAll(async () => {
  for (const f of await collect(io.list(prefix))) await io.delete(f.location);
  io.close();
  raw.destroy();
});

describe('S3FileIO on moto', () => {
  it('puts and gets a file with the right credentials', async () => {
    const body = new TextEncoder().encode('hello iceberg');
    await io.write(`${prefix}a.txt`, body);
    expect(await io.read(`${prefix}a.txt`)).toEqual(body);
    expect(await io.exists(`${prefix}a.txt`)).toBe(true);
    expect(await io.exists(`${prefix}missing.txt`)).toBe(false);
    await expect(io.read(`${prefix}missing.txt`)).rejects.toThrow(FileNotFoundError);
  });

  it('is refused with a wrong secret: 403 SignatureDoesNotMatch, naming the location', async () => {
    const wrong = new S3FileIO({
      region: env.region,
      endpoint: env.endpoint,
      credentials: { ...admin, secretAccessKey: `${env.secretAccessKey.slice(0, -1)}x` },
    });
    try {
      const error = await wrong.write(`${prefix}denied.txt`, new Uint8Array([1])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FileIOError);
      expect(error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch', operation: 'write' });
      expect((error as Error).message).toContain(`${prefix}denied.txt`);
      expect(await io.exists(`${prefix}denied.txt`)).toBe(false);
    } finally {
      wrong.close();
    }
  });

  it('asks its credential provider again when its credentials are about to expire', async () => {
    let secretAccessKey = env.secretAccessKey;
    let calls = 0;
    const rotating = new S3FileIO({
      region: env.region,
      endpoint: env.endpoint,
      // Credentials that expire within the SDK's refresh window are fetched anew for each request.
      credentials: async () => {
        calls += 1;
        return { accessKeyId: env.accessKeyId, secretAccessKey, expiration: new Date(Date.now() + 1000) };
      },
    });
    try {
      await rotating.write(`${prefix}rotated.txt`, new Uint8Array([1]));
      secretAccessKey = 'revoked';
      await expect(rotating.write(`${prefix}rotated.txt`, new Uint8Array([2]))).rejects.toMatchObject({
        status: 403,
      });
      secretAccessKey = env.secretAccessKey;
      await rotating.write(`${prefix}rotated.txt`, new Uint8Array([3]));
      expect(await io.read(`${prefix}rotated.txt`)).toEqual(new Uint8Array([3]));
      expect(calls).toBeGreaterThanOrEqual(3);
    } finally {
      rotating.close();
    }
  });

  it('uploads a large body in parts (multipart) and reads it back byte for byte', async () => {
    const big = new S3FileIO({
      region: env.region,
      endpoint: env.endpoint,
      credentials: admin,
      multipartThresholdBytes: 5 * 1024 * 1024,
      partSizeBytes: 5 * 1024 * 1024,
    });
    try {
      const body = new Uint8Array(randomBytes(11 * 1024 * 1024));
      await big.write(`${prefix}big.bin`, body);
      expect(Buffer.compare(await io.read(`${prefix}big.bin`), body)).toBe(0);
      // A multipart object's ETag ends in "-<number of parts>".
      const { bucket, key } = parseS3Location(`${prefix}big.bin`);
      const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(head.ETag).toMatch(/-3"?$/);
    } finally {
      big.close();
    }
  });

  it('lists under a prefix and deletes', async () => {
    await io.write(`${prefix}list/x/1.bin`, new Uint8Array(3));
    await io.write(`${prefix}list/x/2.bin`, new Uint8Array(5));
    await io.write(`${prefix}list/y.bin`, new Uint8Array(1));
    const listed = await collect(io.list(`${prefix}list/x/`));
    expect(listed).toEqual([
      { location: `${prefix}list/x/1.bin`, size: 3, lastModifiedMs: expect.any(Number) },
      { location: `${prefix}list/x/2.bin`, size: 5, lastModifiedMs: expect.any(Number) },
    ]);
    // The listing's time is the object's own, as HEAD reports it.
    const { bucket, key } = parseS3Location(`${prefix}list/x/1.bin`);
    const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(listed[0]?.lastModifiedMs).toBe(head.LastModified?.getTime());
    await io.delete(`${prefix}list/x/1.bin`);
    expect((await collect(io.list(`${prefix}list/`))).map((f) => f.location)).toEqual([
      `${prefix}list/x/2.bin`,
      `${prefix}list/y.bin`,
    ]);
  });

  it('parses s3, s3a and s3n locations and refuses others', () => {
    expect(parseS3Location('s3a://b/k/x')).toEqual({ scheme: 's3a://', bucket: 'b', key: 'k/x' });
    expect(() => parseS3Location('gs://b/k')).toThrow(/not an S3 location: "gs:\/\/b\/k"/);
  });
});
