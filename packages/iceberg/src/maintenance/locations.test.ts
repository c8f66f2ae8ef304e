import { describe, expect, it } from 'vitest';
import { deleteScope } from './delete-files';
import { asFolder, isWithin, nestedTableRoots, normalizeLocation } from './locations';

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

describe('table folders', () => {
  it('compares locations by whole segments, one spelling each', () => {
    expect(asFolder('s3a://b/sales/orders//')).toBe('s3://b/sales/orders/');
    expect(isWithin('s3://b/sales/orders/data/x.parquet', 's3://b/sales/orders')).toBe(true);
    expect(isWithin('s3://b/sales/orders', 's3://b/sales/orders/')).toBe(true);
    expect(isWithin('s3a://b/sales/orders/x', 's3://b/sales/orders')).toBe(true);
    expect(isWithin('s3://b/sales/orders_x/data/x.parquet', 's3://b/sales/orders')).toBe(false);
    expect(isWithin('s3://other/sales/orders/x', 's3://b/sales/orders')).toBe(false);
  });

  it("finds other tables' roots by their metadata files, never the table's own", () => {
    const files = [
      's3://b/t/metadata/00001-a.metadata.json',
      's3://b/t/data/k=1/f.parquet',
      's3://b/t/daily/metadata/00000-b.metadata.json',
      's3://b/t/daily/data/f.parquet',
      's3://b/t/old/metadata/v3.metadata.json.gz',
      's3://b/t/hadoop/metadata/version-hint.text',
      's3://b/t/data/metadata.json',
    ];
    expect(nestedTableRoots(files, ['s3://b/t/metadata']).sort()).toEqual([
      's3://b/t/daily/',
      's3://b/t/hadoop/',
      's3://b/t/old/',
    ]);
  });

  it('lets deletes happen only inside the table and the allowed storage', () => {
    const metadata = { location: 's3://b/floe/t', properties: { 'write.data.path': 's3://b/floe/t-data' } };
    const scope = deleteScope(metadata, ['s3://b/floe']);
    expect(scope('s3://b/floe/t/data/x.parquet')).toBe(true);
    expect(scope('s3://b/floe/t-data/x.parquet')).toBe(true);
    expect(scope('s3://b/floe/t2/data/x.parquet')).toBe(false);
    expect(scope('s3://b/other/x.parquet')).toBe(false);
    expect(deleteScope(metadata, ['s3://b/elsewhere'])('s3://b/floe/t/data/x.parquet')).toBe(false);
    expect(deleteScope({ location: 's3://b/floe/t', properties: {} })('s3://b/floe/t/x')).toBe(true);
  });
});
