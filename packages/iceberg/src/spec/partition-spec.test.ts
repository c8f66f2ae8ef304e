import { describe, expect, it } from 'vitest';
import { epochMicros } from '../transform/test-values';
import { Transforms } from '../transform/transform';
import { parseJson } from '../util/json';
import {
  lastPartitionId,
  PartitionSpecBuilder,
  partitionPath,
  partitionSpecFromJson,
  partitionSpecToJson,
  partitionType,
  partitionValues,
} from './partition-spec';
import { newSchema } from './schema';
import { optional, required, T } from './types';

const schema = newSchema([
  required('id', T.long),
  required('event_ts', T.timestamptz),
  optional('region', T.string),
  optional('meta', T.struct([optional('source', T.string)])),
  optional('tags', T.list(T.string)),
  optional('score', T.double),
]);

describe('PartitionSpecBuilder', () => {
  it('numbers fields from 1000 and names them as the reference does', () => {
    const spec = new PartitionSpecBuilder(schema)
      .day('event_ts')
      .bucket('id', 16)
      .truncate('region', 2)
      .identity('meta.source')
      .build();
    expect(spec.fields.map((f) => [f.fieldId, f.name, f.sourceId])).toEqual([
      [1000, 'event_ts_day', 2],
      [1001, 'id_bucket', 1],
      [1002, 'region_trunc', 3],
      [1003, 'meta.source', 7],
    ]);
    expect(lastPartitionId(spec)).toBe(1003);
  });

  it('refuses what the reference refuses, naming the column', () => {
    const b = () => new PartitionSpecBuilder(schema);
    expect(() => b().bucket('score', 4)).toThrow(/bucket\[4\]\(score\).*does not apply to double/);
    expect(() => b().identity('tags.element')).toThrow(/"tags.element": it is inside a list/);
    expect(() => b().day('event_ts').hour('event_ts')).toThrow(/event_ts is already partitioned by day/);
    expect(() => b().bucket('id', 4, 'region')).toThrow(/"region" is another column/);
    expect(() => b().bucket('id', 4).bucket('id', 8)).toThrow(/"id_bucket" is used twice/);
    expect(() => b().identity('nope')).toThrow(/"nope": no such column/);
  });
});

describe('partition spec JSON', () => {
  it('writes and reads the spec form', () => {
    const spec = new PartitionSpecBuilder(schema).day('event_ts').bucket('id', 16).build();
    const json = partitionSpecToJson(spec);
    expect(json).toEqual({
      'spec-id': 0,
      fields: [
        { name: 'event_ts_day', transform: 'day', 'source-id': 2, 'field-id': 1000 },
        { name: 'id_bucket', transform: 'bucket[16]', 'source-id': 1, 'field-id': 1001 },
      ],
    });
    expect(partitionSpecFromJson(parseJson(JSON.stringify(json)))).toEqual(spec);
  });
});

describe('partition values and paths', () => {
  const spec = new PartitionSpecBuilder(schema)
    .day('event_ts')
    .bucket('id', 16)
    .identity('region')
    .add('meta.source', Transforms.void, 'dropped')
    .build();
  const row: Record<number, bigint | string | null> = {
    1: 34n,
    2: epochMicros('2024-01-02T23:59:59.999999'),
    3: 'eu west/1+ü',
    7: 'x',
  };

  it('computes the tuple and its partition type', () => {
    const values = partitionValues(spec, schema, (id) => row[id] ?? null);
    expect(values).toEqual([19724, (2017239379 & 0x7fffffff) % 16, 'eu west/1+ü', null]);
    expect(partitionType(spec, schema).fields.map((f) => [f.id, f.name, f.type.type, f.required])).toEqual([
      [1000, 'event_ts_day', 'date', false],
      [1001, 'id_bucket', 'int', false],
      [1002, 'region', 'string', false],
      [1003, 'dropped', 'string', false],
    ]);
  });

  it('writes the Hive-style path, escaped as java.net.URLEncoder does', () => {
    const values = partitionValues(spec, schema, (id) => row[id] ?? null);
    expect(partitionPath(spec, schema, values)).toBe(
      'event_ts_day=2024-01-02/id_bucket=3/region=eu+west%2F1%2B%C3%BC/dropped=null',
    );
  });
});
