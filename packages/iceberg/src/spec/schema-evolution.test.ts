import { describe, expect, it } from 'vitest';
import { findField, highestFieldId, newSchema } from './schema';
import { IncompatibleSchemaChangeError, SchemaUpdate } from './schema-evolution';
import { optional, required, T } from './types';

const base = () =>
  newSchema(
    [
      required('id', T.long),
      optional('count', T.int),
      optional('ratio', T.float),
      optional('price', T.decimal(9, 2)),
      optional('name', T.string),
      required('payload', T.struct([required('kind', T.string)])),
      optional('items', T.list(T.struct([optional('sku', T.string)]))),
      optional('attrs', T.map(T.string, T.struct([optional('v', T.int)]))),
    ],
    { identifierFields: ['id'] },
  );
const update = () => {
  const schema = base();
  return new SchemaUpdate(schema, { lastColumnId: highestFieldId(schema) });
};

describe('SchemaUpdate', () => {
  it('adds top-level and nested columns with ids after last-column-id, as optional, in a new schema id', () => {
    const last = highestFieldId(base());
    const { schema, lastColumnId } = update()
      .addColumn(null, 'source', T.struct([optional('topic', T.string), optional('partition', T.int)]))
      .addColumn('payload', 'version', T.int, 'payload version')
      .addColumn('items', 'qty', T.long)
      .addColumn('attrs', 'w', T.double)
      .apply();
    expect(schema.schemaId).toBe(1);
    expect(findField(schema, 'source')).toMatchObject({ id: last + 1, required: false });
    expect(findField(schema, 'source.topic')?.id).toBe(last + 2);
    expect(findField(schema, 'source.partition')?.id).toBe(last + 3);
    expect(findField(schema, 'payload.version')).toMatchObject({ id: last + 4, doc: 'payload version' });
    expect(findField(schema, 'items.element.qty')?.id).toBe(last + 5);
    expect(findField(schema, 'attrs.value.w')?.id).toBe(last + 6);
    expect(lastColumnId).toBe(last + 6);
  });

  it('never reuses ids below last-column-id (a dropped column keeps its id)', () => {
    const { schema } = new SchemaUpdate(base(), { lastColumnId: 100 }).addColumn(null, 'x', T.int).apply();
    expect(findField(schema, 'x')?.id).toBe(101);
  });

  it('widens int→long, float→double and decimal precision with the same scale, keeping ids', () => {
    const before = base();
    const { schema } = update()
      .updateColumnType('count', T.long)
      .updateColumnType('ratio', T.double)
      .updateColumnType('price', T.decimal(18, 2))
      .apply();
    expect(findField(schema, 'count')).toMatchObject({ id: findField(before, 'count')?.id, type: T.long });
    expect(findField(schema, 'ratio')?.type).toEqual(T.double);
    expect(findField(schema, 'price')?.type).toEqual(T.decimal(18, 2));
  });

  it('makes a column optional and renames a nested one without touching ids', () => {
    const before = base();
    const { schema } = update().makeOptional('payload').renameColumn('payload.kind', 'type').apply();
    expect(findField(schema, 'payload')?.required).toBe(false);
    expect(findField(schema, 'payload.type')?.id).toBe(findField(before, 'payload.kind')?.id);
    expect(findField(schema, 'payload.kind')).toBeUndefined();
  });

  it('refuses incompatible changes with an error naming the field', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => update().updateColumnType('count', T.string), /"count" from int to string/],
      [() => update().updateColumnType('id', T.int), /"id" from long to int/],
      [
        () => update().updateColumnType('price', T.decimal(8, 2)),
        /"price" from decimal\(9,2\) to decimal\(8,2\)/,
      ],
      [
        () => update().updateColumnType('price', T.decimal(10, 3)),
        /"price" from decimal\(9,2\) to decimal\(10,3\)/,
      ],
      [() => update().updateColumnType('payload', T.string), /"payload": it is a struct/],
      [() => update().makeOptional('id'), /identifier field "id" optional/],
      [() => update().makeOptional('attrs.key'), /map key "attrs.key"/],
      [() => update().addColumn(null, 'name', T.string), /"name": it already exists/],
      [() => update().addColumn('name', 'x', T.string), /"name.x": its parent is not a struct/],
      [() => update().renameColumn('count', 'name'), /"count" to "name": that name is taken/],
      [() => update().renameColumn('items.element', 'x'), /"items.element": only struct fields/],
      [() => update().makeOptional('payload.nope'), /no field "payload.nope"/],
    ];
    for (const [change, message] of cases) {
      expect(change).toThrow(IncompatibleSchemaChangeError);
      expect(change).toThrow(message);
    }
  });
});
