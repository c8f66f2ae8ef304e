import { describe, expect, it } from 'vitest';
import { T } from '../spec/types';
import { uuidToBytes } from '../spec/values';
import { applyTransform } from './apply';
import { toHumanString } from './human';
import { epochDays, epochMicros, epochNanos } from './test-values';
import { canTransform, parseTransform, resultType, Transforms, transformToString } from './transform';

describe('transform strings', () => {
  it('parses and prints the spec forms', () => {
    for (const text of ['identity', 'bucket[16]', 'truncate[10]', 'year', 'month', 'day', 'hour', 'void']) {
      expect(transformToString(parseTransform(text))).toBe(text);
    }
    expect(parseTransform('bucket[16]')).toEqual({ kind: 'bucket', n: 16 });
  });

  it('keeps an unknown transform so a newer table still loads, but will not compute with it', () => {
    const t = parseTransform('zorder[3]');
    expect(transformToString(t)).toBe('zorder[3]');
    expect(() => applyTransform(t, T.int, 1)).toThrow(/zorder\[3\] cannot be applied/);
  });

  it('refuses bad parameters', () => {
    expect(() => parseTransform('bucket[0]')).toThrow(/bucket count/);
    expect(() => Transforms.truncate(-1)).toThrow(/width/);
  });
});

describe('source and result types', () => {
  it('allows each transform only on the spec source types', () => {
    expect(canTransform(Transforms.bucket(4), T.double)).toBe(false);
    expect(canTransform(Transforms.bucket(4), T.boolean)).toBe(false);
    expect(canTransform(Transforms.truncate(4), T.uuid)).toBe(false);
    expect(canTransform(Transforms.hour, T.date)).toBe(false);
    expect(canTransform(Transforms.day, T.timestamptzNs)).toBe(true);
    expect(canTransform(Transforms.identity, T.list(T.int))).toBe(false);
  });

  it('gives int for bucket/year/month/hour, date for day, the source type otherwise', () => {
    expect(resultType(Transforms.bucket(4), T.string)).toEqual(T.int);
    expect(resultType(Transforms.day, T.timestamptz)).toEqual(T.date);
    expect(resultType(Transforms.hour, T.timestamp)).toEqual(T.int);
    expect(resultType(Transforms.truncate(3), T.decimal(9, 2))).toEqual(T.decimal(9, 2));
    expect(resultType(Transforms.identity, T.uuid)).toEqual(T.uuid);
  });

  it('maps null to null and void to null', () => {
    expect(applyTransform(Transforms.bucket(4), T.int, null)).toBeNull();
    expect(applyTransform(Transforms.void, T.int, 5)).toBeNull();
  });
});

describe('human strings, as the Java reference prints partition values', () => {
  const human = (
    text: string,
    type: Parameters<typeof toHumanString>[1],
    value: Parameters<typeof toHumanString>[2],
  ) => toHumanString(parseTransform(text), type, applyTransform(parseTransform(text), type, value));

  it('formats time partitions', () => {
    const ts = epochMicros('2024-01-02T13:04:05.5');
    expect(human('year', T.timestamp, ts)).toBe('2024');
    expect(human('month', T.timestamp, ts)).toBe('2024-01');
    expect(human('day', T.timestamptz, ts)).toBe('2024-01-02');
    expect(human('hour', T.timestamp, ts)).toBe('2024-01-02-13');
    expect(human('day', T.timestamp, -1n)).toBe('1969-12-31');
    expect(human('hour', T.timestamp, -1n)).toBe('1969-12-31-23');
    expect(human('month', T.date, epochDays('1969-03-04'))).toBe('1969-03');
  });

  it('formats identity values of every type', () => {
    expect(human('identity', T.date, epochDays('2017-11-16'))).toBe('2017-11-16');
    expect(human('identity', T.time, 81068000000n)).toBe('22:31:08');
    expect(human('identity', T.time, 81060000000n)).toBe('22:31');
    expect(human('identity', T.time, 81068500000n)).toBe('22:31:08.500');
    expect(human('identity', T.timestamp, epochMicros('2017-11-16T22:31:08'))).toBe('2017-11-16T22:31:08');
    expect(human('identity', T.timestamp, epochMicros('2017-11-16T22:31:00.000120'))).toBe(
      '2017-11-16T22:31:00.00012',
    );
    expect(human('identity', T.timestamptz, epochMicros('2017-11-16T14:31:08-08:00'))).toBe(
      '2017-11-16T22:31:08+00:00',
    );
    expect(human('identity', T.timestamptzNs, epochNanos('2017-11-16T22:31:08.000000001'))).toBe(
      '2017-11-16T22:31:08.000000001+00:00',
    );
    expect(human('identity', T.timestamp, -1n)).toBe('1969-12-31T23:59:59.999999');
    expect(human('identity', T.decimal(9, 2), 1420n)).toBe('14.20');
    expect(human('identity', T.decimal(9, 2), -5n)).toBe('-0.05');
    expect(human('identity', T.decimal(12, 10), 0n)).toBe('0E-10');
    expect(human('identity', T.double, 1.5)).toBe('1.5');
    expect(human('identity', T.double, 100)).toBe('100.0');
    expect(human('identity', T.double, 1e10)).toBe('1.0E10');
    expect(human('identity', T.double, 1.25e-5)).toBe('1.25E-5');
    expect(human('identity', T.float, Math.fround(0.1))).toBe('0.1');
    expect(human('identity', T.boolean, true)).toBe('true');
    expect(human('identity', T.long, 9223372036854775807n)).toBe('9223372036854775807');
    expect(human('identity', T.binary, new Uint8Array([0, 1, 2, 3]))).toBe('AAECAw==');
    expect(human('identity', T.uuid, uuidToBytes('f79c3e09-677c-4bbd-a479-3f349cb785e7'))).toBe(
      'f79c3e09-677c-4bbd-a479-3f349cb785e7',
    );
    expect(human('truncate[3]', T.string, 'iceberg')).toBe('ice');
    expect(human('bucket[16]', T.int, 34)).toBe(String((2017239379 & 0x7fffffff) % 16));
    expect(toHumanString(Transforms.day, T.timestamp, null)).toBe('null');
  });
});
