import { describe, expect, it } from 'vitest';
import { normalizeLocation } from './locations';

describe('normalizeLocation', () => {
  it('spells one file one way, whatever scheme alias or slashes the writer used', () => {
    expect(normalizeLocation('s3a://bucket/t/data//x.parquet')).toBe('s3://bucket/t/data/x.parquet');
    expect(normalizeLocation('s3n://bucket/t/x')).toBe('s3://bucket/t/x');
    expect(normalizeLocation('S3://bucket/t/x')).toBe('s3://bucket/t/x');
    expect(normalizeLocation('file:/tmp/t/x')).toBe('/tmp/t/x');
    expect(normalizeLocation('file:///tmp/t//x')).toBe('/tmp/t/x');
    expect(normalizeLocation('/tmp/t/x')).toBe('/tmp/t/x');
    // Buckets are not folded together: another bucket is another file.
    expect(normalizeLocation('s3://other/t/x')).not.toBe(normalizeLocation('s3://bucket/t/x'));
  });
});
