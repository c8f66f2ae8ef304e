import { describe, expect, it } from 'vitest';
import { decimalToBytes, fromBinary, toBinary } from './single-value';
import { T } from './types';
import { uuidToBytes } from './values';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('single-value binary serialization (spec Appendix D)', () => {
  it('writes fixed-width values little-endian', () => {
    expect(hex(toBinary(T.int, 1))).toBe('01000000');
    expect(hex(toBinary(T.int, -2))).toBe('feffffff');
    expect(hex(toBinary(T.date, -1))).toBe('ffffffff');
    expect(hex(toBinary(T.long, 1n << 40n))).toBe('0000000000010000');
    expect(hex(toBinary(T.timestamptz, -1n))).toBe('ffffffffffffffff');
    expect(hex(toBinary(T.float, 1))).toBe('0000803f');
    expect(hex(toBinary(T.double, -2))).toBe('00000000000000c0');
    expect(hex(toBinary(T.boolean, true))).toBe('01');
  });

  it('writes decimals as the minimal big-endian two complement of the unscaled value', () => {
    expect(hex(decimalToBytes(1420n))).toBe('058c'); // 14.20
    expect(hex(decimalToBytes(0n))).toBe('00');
    expect(hex(decimalToBytes(127n))).toBe('7f');
    expect(hex(decimalToBytes(128n))).toBe('0080');
    expect(hex(decimalToBytes(-128n))).toBe('80');
    expect(hex(decimalToBytes(-129n))).toBe('ff7f');
    const max = 10n ** 38n - 1n;
    expect(decimalToBytes(max)).toHaveLength(16);
    expect(fromBinary(T.decimal(38, 0), decimalToBytes(-max))).toBe(-max);
  });

  it('writes strings as UTF-8 and uuids big-endian, and reads every form back', () => {
    expect(hex(toBinary(T.string, 'é'))).toBe('c3a9');
    const uuid = uuidToBytes('f79c3e09-677c-4bbd-a479-3f349cb785e7');
    expect(hex(toBinary(T.uuid, uuid))).toBe('f79c3e09677c4bbda4793f349cb785e7');
    const cases = [
      [T.int, -5],
      [T.long, -(1n << 62n)],
      [T.double, 0.1],
      [T.string, '日本'],
      [T.time, 86_399_999_999n],
      [T.timestampNs, -1_000_000_001n],
    ] as const;
    for (const [type, value] of cases) expect(fromBinary(type, toBinary(type, value))).toBe(value);
  });
});
