import { describe, expect, it } from 'vitest';
import { parseJson } from '../util/json';
import {
  findField,
  highestFieldId,
  namesById,
  newSchema,
  schemaFromJson,
  schemaToJson,
  validateIdentifierFields,
} from './schema';
import { optional, parsePrimitive, primitiveToString, required, T } from './types';

// The nested example the Java reference uses to show fresh-id order: all fields of a struct first.
const nested = () =>
  newSchema(
    [
      required('id', T.long),
      optional('location', T.struct([required('lat', T.double), required('lon', T.double)])),
      optional('tags', T.list(T.string, true)),
      optional('props', T.map(T.string, T.struct([optional('score', T.int)]))),
      optional('amount', T.decimal(9, 2), 'in euros'),
    ],
    { identifierFields: ['id'] },
  );

describe('types', () => {
  it('prints and parses every primitive as the spec writes it', () => {
    for (const text of [
      'boolean',
      'int',
      'long',
      'float',
      'double',
      'date',
      'time',
      'timestamp',
      'timestamptz',
      'timestamp_ns',
      'timestamptz_ns',
      'string',
      'uuid',
      'binary',
      'decimal(9,2)',
      'fixed[16]',
    ]) {
      expect(primitiveToString(parsePrimitive(text))).toBe(text);
    }
  });

  it('accepts "decimal(9, 2)" with a space, as the spec allows', () => {
    expect(parsePrimitive('decimal(9, 2)')).toEqual({ type: 'decimal', precision: 9, scale: 2 });
  });

  it('refuses impossible decimals and unknown names', () => {
    expect(() => T.decimal(39, 0)).toThrow(/precision/);
    expect(() => T.decimal(5, 6)).toThrow(/scale/);
    expect(() => parsePrimitive('varchar')).toThrow(/varchar/);
  });
});

describe('newSchema', () => {
  it('assigns ids as the Java reference does: a struct level first, then each nested type in turn', () => {
    const schema = nested();
    expect([...namesById(schema)].map(([id, name]) => `${id}:${name}`)).toEqual([
      '1:id',
      '2:location',
      '6:location.lat',
      '7:location.lon',
      '3:tags',
      '8:tags.element',
      '4:props',
      '9:props.key',
      '10:props.value',
      '11:props.value.score',
      '5:amount',
    ]);
    expect(highestFieldId(schema)).toBe(11);
    expect(schema.identifierFieldIds).toEqual([1]);
  });

  it('finds nested fields by dotted path, list elements and map values included', () => {
    const schema = nested();
    expect(findField(schema, 'location.lon')?.id).toBe(7);
    expect(findField(schema, 'tags.element')?.required).toBe(true);
    expect(findField(schema, 'props.value.score')?.id).toBe(11);
    expect(findField(schema, 'props.nope')).toBeUndefined();
  });

  it('refuses identifier fields that are optional, floating point or inside a list', () => {
    expect(() => newSchema([optional('id', T.long)], { identifierFields: ['id'] })).toThrow(
      /"id" cannot be an identifier field: "id" is optional/,
    );
    expect(() => newSchema([required('x', T.double)], { identifierFields: ['x'] })).toThrow(/"x".*double/);
    const schema = newSchema([required('tags', T.list(T.string, true))]);
    expect(() => validateIdentifierFields({ ...schema, identifierFieldIds: [2] })).toThrow(
      /"tags.element" cannot be an identifier field: it is inside a list or map/,
    );
  });
});

describe('schema JSON', () => {
  it('writes the spec form exactly', () => {
    const json = schemaToJson(nested());
    expect(json).toEqual({
      type: 'struct',
      'schema-id': 0,
      'identifier-field-ids': [1],
      fields: [
        { id: 1, name: 'id', required: true, type: 'long' },
        {
          id: 2,
          name: 'location',
          required: false,
          type: {
            type: 'struct',
            fields: [
              { id: 6, name: 'lat', required: true, type: 'double' },
              { id: 7, name: 'lon', required: true, type: 'double' },
            ],
          },
        },
        {
          id: 3,
          name: 'tags',
          required: false,
          type: { type: 'list', 'element-id': 8, element: 'string', 'element-required': true },
        },
        {
          id: 4,
          name: 'props',
          required: false,
          type: {
            type: 'map',
            'key-id': 9,
            key: 'string',
            'value-id': 10,
            value: { type: 'struct', fields: [{ id: 11, name: 'score', required: false, type: 'int' }] },
            'value-required': false,
          },
        },
        { id: 5, name: 'amount', required: false, type: 'decimal(9,2)', doc: 'in euros' },
      ],
    });
  });

  it('round-trips through JSON text, v3 defaults kept', () => {
    const text =
      '{"type":"struct","schema-id":3,"fields":[{"id":1,"name":"n","required":false,"type":"int",' +
      '"initial-default":7,"write-default":8}]}';
    const schema = schemaFromJson(parseJson(text));
    expect(schema.fields[0]).toMatchObject({ initialDefault: 7, writeDefault: 8 });
    expect(JSON.stringify(schemaToJson(schema))).toBe(text);
    expect(schemaFromJson(schemaToJson(nested()))).toEqual(nested());
  });

  it('names what is wrong in bad JSON', () => {
    expect(() =>
      schemaFromJson({ 'schema-id': 0, fields: [{ id: 1, name: 'a', required: 'yes', type: 'int' }] }),
    ).toThrow(/required of field "a" must be a boolean/);
  });
});
