import { newSchema } from '../spec/schema';
import { optional, required, T } from '../spec/types';
import { uuidToBytes } from '../spec/values';
import type { Row } from './rows-to-arrow';

// Test fixture: a schema of every v2 type (nested ones too) and rows at the edges of each type.

export const everyTypeSchema = newSchema([
  required('id', T.long),
  optional('flag', T.boolean),
  optional('i', T.int),
  optional('l', T.long),
  optional('f', T.float),
  optional('d', T.double),
  optional('dec', T.decimal(38, 10)),
  optional('dec9', T.decimal(9, 2)),
  optional('day', T.date),
  optional('t', T.time),
  optional('ts', T.timestamp),
  optional('tstz', T.timestamptz),
  optional('s', T.string),
  optional('u', T.uuid),
  optional('fx', T.fixed(4)),
  optional('bin', T.binary),
  optional(
    'st',
    T.struct([
      required('a', T.int),
      optional('b', T.string),
      optional('inner', T.struct([optional('x', T.double)])),
    ]),
  ),
  optional('tags', T.list(T.string)),
  optional('attrs', T.map(T.string, T.long)),
  optional('pairs', T.list(T.struct([required('k', T.string), optional('v', T.int)]), true)),
]);

const MAX38 = 10n ** 38n - 1n;
const bytes = (...b: number[]) => Uint8Array.from(b);

export const everyTypeRows: Row[] = [
  {
    id: 1n,
    flag: true,
    i: 2147483647,
    l: (1n << 63n) - 1n,
    f: 1.5,
    d: Number.MAX_VALUE,
    dec: MAX38, // 9999999999999999999999999999.9999999999
    dec9: 1420n,
    day: 0,
    t: 86_399_999_999n, // 23:59:59.999999
    ts: 1n, // one microsecond after the epoch
    tstz: 1_700_000_000_123_456n,
    s: 'héllo wörld, 日本語 and 😀 beyond sixteen',
    u: uuidToBytes('f79c3e09-677c-4bbd-a479-3f349cb785e7'),
    fx: bytes(0, 1, 2, 3),
    bin: bytes(0xff, 0, 0x80),
    st: { a: 1, b: 'x', inner: { x: 0.25 } },
    tags: ['a', null, 'ü'],
    attrs: new Map([
      ['k1', 1n],
      ['k2', null],
    ]),
    pairs: [{ k: 'p', v: 1 }],
  },
  {
    id: 2n,
    st: null,
    tags: [],
    attrs: new Map(),
    pairs: [],
  },
  {
    id: 3n,
    flag: false,
    i: -2147483648,
    l: -(1n << 63n),
    f: Number.NaN,
    d: -0,
    dec: -MAX38,
    dec9: -1n,
    day: -719162, // 0001-01-01
    t: 0n,
    ts: -1n, // one microsecond before the epoch
    tstz: -62_135_596_800_000_000n, // 0001-01-01T00:00:00Z
    s: '',
    u: uuidToBytes('00000000-0000-0000-0000-000000000000'),
    fx: bytes(0xff, 0xff, 0xff, 0xff),
    bin: new Uint8Array(0),
    st: { a: -1, b: null, inner: null },
    tags: null,
    attrs: null,
    pairs: [
      { k: 'q', v: null },
      { k: 'r', v: -7 },
    ],
  },
  {
    id: 4n,
    f: Number.NEGATIVE_INFINITY,
    d: Number.NaN,
    tstz: -1_000_001n, // fraction of a negative second
    s: 'Z',
    st: { a: 5, b: 'y', inner: { x: null } },
    tags: ['z'],
  },
];
