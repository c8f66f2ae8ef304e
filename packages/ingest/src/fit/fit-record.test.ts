import { newSchema, optional, required, SchemaUpdate, type StructType, T } from '@floe/iceberg';
import { describe, expect, it } from 'vitest';
import { RecordRejectedError, type TypedValue } from '../decode/decoded';
import { SchemalessJsonDecoder } from '../decode/schemaless-json';
import { fitRecord } from './fit-record';
import { mergeStructs } from './merge-types';
import { applySchemaChanges } from './schema-changes';

const table = newSchema([
  required('id', T.long),
  optional('qty', T.int),
  optional('price', T.decimal(9, 2)),
  optional('score', T.float),
  optional('items', T.list(T.struct([optional('sku', T.string)]))),
]);
const struct: StructType = { type: 'struct', fields: table.fields };
const record = (fields: [string, ReturnType<typeof optional>['type'], unknown][]): TypedValue => ({
  type: T.struct(fields.map(([name, type]) => optional(name, type))),
  row: Object.fromEntries(fields.map(([name, , value]) => [name, value])),
});

function rejection(fn: () => unknown): RecordRejectedError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RecordRejectedError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('fitting a record to the table', () => {
  it('converts exactly: int into long, long into int when it fits, a 1-decimal into a 2-decimal', () => {
    const fit = fitRecord(
      struct,
      record([
        ['id', T.int, 7],
        ['qty', T.long, 3n],
        ['price', T.decimal(5, 1), 125n],
      ]),
      'strict',
    );
    expect(fit).toEqual({ row: { id: 7n, qty: 3, price: 1250n, score: null, items: null } });
  });

  it('asks to widen int to long for a value beyond 32 bits under evolve, and rejects it under strict', () => {
    const big = record([
      ['id', T.long, 1n],
      ['qty', T.long, 1n << 40n],
    ]);
    expect(fitRecord(struct, big, 'evolve')).toEqual({
      changes: [{ kind: 'widen', path: ['qty'], type: T.long }],
    });
    const error = rejection(() => fitRecord(struct, big, 'strict'));
    expect(error.reason).toBe('type-mismatch');
    expect(error.message).toBe(
      'qty: value 1099511627776 needs column type long instead of int (schema policy strict)',
    );
  });

  it('never truncates: 1.5 for a long column is rejected naming field, value and type, even under evolve', () => {
    const error = rejection(() => fitRecord(struct, record([['id', T.double, 1.5]]), 'evolve'));
    expect(error.reason).toBe('type-mismatch');
    expect(error.message).toBe('id: double value 1.5 does not fit column type long');
  });

  it('widens float to double for a value a float cannot hold, and keeps one it can', () => {
    expect(
      fitRecord(
        struct,
        record([
          ['id', T.long, 1n],
          ['score', T.double, 0.5],
        ]),
        'strict',
      ),
    ).toHaveProperty('row.score', 0.5);
    expect(
      fitRecord(
        struct,
        record([
          ['id', T.long, 1n],
          ['score', T.double, 0.1],
        ]),
        'evolve',
      ),
    ).toEqual({
      changes: [{ kind: 'widen', path: ['score'], type: T.double }],
    });
  });

  it('handles a new field by policy: evolve adds it, strict rejects, ignore-new-fields drops it', () => {
    const extra = record([
      ['id', T.long, 1n],
      ['note', T.string, 'hi'],
    ]);
    expect(fitRecord(struct, extra, 'evolve')).toEqual({
      changes: [{ kind: 'add-column', parent: [], name: 'note', type: T.string }],
    });
    expect(rejection(() => fitRecord(struct, extra, 'strict')).reason).toBe('schema-violation');
    expect(fitRecord(struct, extra, 'ignore-new-fields')).toEqual({
      row: { id: 1n, qty: null, price: null, score: null, items: null },
    });
  });

  it('adds a member to structs inside a list, and the evolved schema takes the record', () => {
    const nested = record([
      ['id', T.long, 1n],
      [
        'items',
        T.list(T.struct([optional('sku', T.string), optional('qty', T.long)])),
        [{ sku: 'a', qty: 2n }],
      ],
    ]);
    const fit = fitRecord(struct, nested, 'evolve');
    expect(fit).toEqual({
      changes: [{ kind: 'add-column', parent: ['items', 'element'], name: 'qty', type: T.long }],
    });
    const update = new SchemaUpdate(table, { lastColumnId: 7 });
    applySchemaChanges(update, 'changes' in fit ? fit.changes : []);
    const evolved = update.apply();
    expect(evolved.schema.schemaId).toBe(1);
    expect(fitRecord({ type: 'struct', fields: evolved.schema.fields }, nested, 'strict')).toHaveProperty(
      'row.items',
      [{ sku: 'a', qty: 2n }],
    );
  });

  it('a missing required value is a schema violation unless evolve may make the column optional', () => {
    const none = record([['qty', T.int, 1]]);
    expect(rejection(() => fitRecord(struct, none, 'strict')).message).toBe(
      'id is required and the record has none',
    );
    expect(fitRecord(struct, none, 'evolve')).toEqual({ changes: [{ kind: 'make-optional', path: ['id'] }] });
  });

  it('a first batch joins types across records: int and long make long, long and double make double', () => {
    const merged = mergeStructs([
      T.struct([required('a', T.int), required('b', T.long)]),
      T.struct([required('a', T.long), required('b', T.double), optional('c', T.string)]),
    ]);
    expect(merged.fields.map((f) => [f.name, f.type.type, f.required])).toEqual([
      ['a', 'long', true],
      ['b', 'double', true],
      ['c', 'string', false],
    ]);
  });
});

describe('values the record gives no type', () => {
  const lists = newSchema([
    optional('tags', T.list(T.string)),
    optional('matrix', T.list(T.list(T.long))),
    optional('note', T.string),
    optional(
      'nested',
      T.struct([optional('a', T.long), optional('b', T.list(T.struct([optional('x', T.string)])))]),
    ),
  ]);
  const listStruct: StructType = { type: 'struct', fields: lists.fields };
  const fitJson = async (json: string) =>
    fitRecord(listStruct, await new SchemalessJsonDecoder().decode(Buffer.from(json)), 'strict');

  it('keeps an empty JSON array an empty list, and a list of nulls a list of nulls', async () => {
    expect(await fitJson('{"tags": [], "matrix": [[]], "note": null}')).toEqual({
      row: { tags: [], matrix: [[]], note: null, nested: null },
    });
    expect(await fitJson('{"tags": [null, null]}')).toEqual({
      row: { tags: [null, null], matrix: null, note: null, nested: null },
    });
  });

  it('keeps an object whose members have no type an object', async () => {
    expect(await fitJson('{"nested": {"b": [{"x": null}, {}]}}')).toEqual({
      row: { tags: null, matrix: null, note: null, nested: { a: null, b: [{ x: null }, { x: null }] } },
    });
  });

  it('leaves an absent field and a null null', async () => {
    expect(await fitJson('{"tags": null}')).toEqual({
      row: { tags: null, matrix: null, note: null, nested: null },
    });
  });
});
