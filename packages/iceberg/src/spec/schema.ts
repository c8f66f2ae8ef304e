import { asArray, asBool, asInt, asObject, type Json, type JsonObject } from '../util/json';
import {
  type IcebergType,
  isPrimitive,
  type NestedField,
  type PrimitiveType,
  parsePrimitive,
  primitiveToString,
  type StructType,
} from './types';

export interface Schema {
  readonly schemaId: number;
  readonly fields: readonly NestedField[];
  /** Ids of the fields that identify a row (spec: identifier-field-ids); required primitives only. */
  readonly identifierFieldIds: readonly number[];
}

export function schemaStruct(schema: Schema): StructType {
  return { type: 'struct', fields: schema.fields };
}

// ---------------------------------------------------------------------------------------------
// Fresh ids

/**
 * Gives every field, list element and map key/value a new id, in the order of the Java reference
 * (TypeUtil.assignFreshIds): all fields of a struct first, then the nested types of each field in
 * turn; a list's element id before its element type; a map's key id and value id before either type.
 * The REST catalog re-assigns ids this way on create, so matching it keeps our ids and the server's
 * the same.
 */
export function assignFreshTypeIds(type: IcebergType, nextId: () => number): IcebergType {
  switch (type.type) {
    case 'struct': {
      const ids = type.fields.map(() => nextId());
      return {
        type: 'struct',
        fields: type.fields.map((f, i) => ({
          ...f,
          id: ids[i] as number,
          type: assignFreshTypeIds(f.type, nextId),
        })),
      };
    }
    case 'list': {
      const elementId = nextId();
      return { ...type, elementId, element: assignFreshTypeIds(type.element, nextId) };
    }
    case 'map': {
      const keyId = nextId();
      const valueId = nextId();
      const key = assignFreshTypeIds(type.key, nextId);
      return { ...type, keyId, key, valueId, value: assignFreshTypeIds(type.value, nextId) };
    }
    default:
      return type;
  }
}

/** A counter that hands out ids after `lastAssigned`. */
export function idCounter(lastAssigned: number): () => number {
  let last = lastAssigned;
  return () => {
    last += 1;
    return last;
  };
}

export interface NewSchemaOptions {
  schemaId?: number;
  /** Names (dotted paths) of the identifier fields. */
  identifierFields?: readonly string[];
}

/** A schema for a new table: ids assigned from 1 as the reference does. */
export function newSchema(fields: readonly NestedField[], options: NewSchemaOptions = {}): Schema {
  const struct = assignFreshTypeIds({ type: 'struct', fields }, idCounter(0)) as StructType;
  const draft: Schema = { schemaId: options.schemaId ?? 0, fields: struct.fields, identifierFieldIds: [] };
  const identifierFieldIds = (options.identifierFields ?? []).map((name) => requireField(draft, name).id);
  const schema = { ...draft, identifierFieldIds };
  validateIdentifierFields(schema);
  return schema;
}

// ---------------------------------------------------------------------------------------------
// Lookup

export type FieldPath = string | readonly string[];

/** Splits "a.b.c" into segments; an array is taken as already split (for names with dots). */
export function pathSegments(path: FieldPath): readonly string[] {
  return typeof path === 'string' ? path.split('.') : path;
}

/** Every field of the schema (nested ones too, list elements and map keys/values), by id. */
export function indexById(schema: Schema): Map<number, NestedField> {
  const index = new Map<number, NestedField>();
  const visit = (type: IcebergType) => {
    switch (type.type) {
      case 'struct':
        for (const f of type.fields) {
          index.set(f.id, f);
          visit(f.type);
        }
        break;
      case 'list':
        index.set(type.elementId, {
          id: type.elementId,
          name: 'element',
          required: type.elementRequired,
          type: type.element,
        });
        visit(type.element);
        break;
      case 'map':
        index.set(type.keyId, { id: type.keyId, name: 'key', required: true, type: type.key });
        index.set(type.valueId, {
          id: type.valueId,
          name: 'value',
          required: type.valueRequired,
          type: type.value,
        });
        visit(type.key);
        visit(type.value);
        break;
    }
  };
  visit(schemaStruct(schema));
  return index;
}

/** The highest field id used anywhere in the schema (0 for an empty schema). */
export function highestFieldId(schema: Schema): number {
  let max = 0;
  for (const id of indexById(schema).keys()) max = Math.max(max, id);
  return max;
}

/**
 * Finds a field by path: struct fields by name, list elements as "element", map keys and values
 * as "key" and "value" (e.g. "payload.tags.element", "attrs.value.score").
 */
export function findField(schema: Schema, path: FieldPath): NestedField | undefined {
  let current: NestedField | undefined;
  let type: IcebergType = schemaStruct(schema);
  for (const segment of pathSegments(path)) {
    current = childField(type, segment);
    if (current === undefined) return undefined;
    type = current.type;
  }
  return current;
}

export function requireField(schema: Schema, path: FieldPath): NestedField {
  const field = findField(schema, path);
  if (field === undefined)
    throw new Error(`schema ${schema.schemaId} has no field "${pathSegments(path).join('.')}"`);
  return field;
}

/** The child of a type by one path segment (struct field name, "element", "key" or "value"). */
export function childField(type: IcebergType, segment: string): NestedField | undefined {
  switch (type.type) {
    case 'struct':
      return type.fields.find((f) => f.name === segment);
    case 'list':
      return segment === 'element'
        ? { id: type.elementId, name: 'element', required: type.elementRequired, type: type.element }
        : undefined;
    case 'map':
      if (segment === 'key') return { id: type.keyId, name: 'key', required: true, type: type.key };
      if (segment === 'value') {
        return { id: type.valueId, name: 'value', required: type.valueRequired, type: type.value };
      }
      return undefined;
    default:
      return undefined;
  }
}

/** The dotted name of every field id (list elements and map keys/values named as in `findField`). */
export function namesById(schema: Schema): Map<number, string> {
  const names = new Map<number, string>();
  const visit = (type: IcebergType, prefix: string) => {
    const add = (id: number, name: string, child: IcebergType) => {
      const full = prefix === '' ? name : `${prefix}.${name}`;
      names.set(id, full);
      visit(child, full);
    };
    if (type.type === 'struct') for (const f of type.fields) add(f.id, f.name, f.type);
    else if (type.type === 'list') add(type.elementId, 'element', type.element);
    else if (type.type === 'map') {
      add(type.keyId, 'key', type.key);
      add(type.valueId, 'value', type.value);
    }
  };
  visit(schemaStruct(schema), '');
  return names;
}

/**
 * Identifier fields must be required primitives (not float/double) reached only through required
 * structs (spec: "Identifier Field IDs").
 */
export function validateIdentifierFields(schema: Schema): void {
  // Why each field could not identify a row (undefined: it can).
  const problems = new Map<number, { name: string; problem: string | undefined }>();
  const visit = (type: IcebergType, prefix: string, inherited: string | undefined) => {
    const add = (id: number, name: string, child: IcebergType, required: boolean, nested: boolean) => {
      const full = prefix === '' ? name : `${prefix}.${name}`;
      const own =
        inherited ?? (nested ? 'it is inside a list or map' : required ? undefined : `"${full}" is optional`);
      const typeProblem =
        !isPrimitive(child) || child.type === 'float' || child.type === 'double'
          ? `it is a ${child.type} (identifiers must be primitives other than float and double)`
          : undefined;
      problems.set(id, { name: full, problem: own ?? typeProblem });
      visit(child, full, own);
    };
    if (type.type === 'struct') for (const f of type.fields) add(f.id, f.name, f.type, f.required, false);
    else if (type.type === 'list') add(type.elementId, 'element', type.element, type.elementRequired, true);
    else if (type.type === 'map') {
      add(type.keyId, 'key', type.key, true, true);
      add(type.valueId, 'value', type.value, type.valueRequired, true);
    }
  };
  visit(schemaStruct(schema), '', undefined);
  for (const id of schema.identifierFieldIds) {
    const entry = problems.get(id);
    if (entry === undefined) throw new Error(`identifier field id ${id} is not in schema ${schema.schemaId}`);
    if (entry.problem !== undefined) {
      throw new Error(`"${entry.name}" cannot be an identifier field: ${entry.problem}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// JSON (spec Appendix C)

export function typeToJson(type: IcebergType): Json {
  switch (type.type) {
    case 'struct':
      return { type: 'struct', fields: type.fields.map(fieldToJson) };
    case 'list':
      return {
        type: 'list',
        'element-id': type.elementId,
        element: typeToJson(type.element),
        'element-required': type.elementRequired,
      };
    case 'map':
      return {
        type: 'map',
        'key-id': type.keyId,
        key: typeToJson(type.key),
        'value-id': type.valueId,
        value: typeToJson(type.value),
        'value-required': type.valueRequired,
      };
    default:
      return primitiveToString(type as PrimitiveType);
  }
}

function fieldToJson(field: NestedField): Json {
  const json: JsonObject = {
    id: field.id,
    name: field.name,
    required: field.required,
    type: typeToJson(field.type),
  };
  if (field.doc !== undefined) json.doc = field.doc;
  if (field.initialDefault !== undefined) json['initial-default'] = field.initialDefault;
  if (field.writeDefault !== undefined) json['write-default'] = field.writeDefault;
  return json;
}

export function schemaToJson(schema: Schema): JsonObject {
  const json: JsonObject = { type: 'struct', 'schema-id': schema.schemaId };
  if (schema.identifierFieldIds.length > 0) json['identifier-field-ids'] = [...schema.identifierFieldIds];
  json.fields = schema.fields.map(fieldToJson);
  return json;
}

export function typeFromJson(json: unknown): IcebergType {
  if (typeof json === 'string') return parsePrimitive(json);
  const o = asObject(json, 'type');
  switch (o.type) {
    case 'struct':
      return { type: 'struct', fields: asArray(o.fields, 'struct fields').map(fieldFromJson) };
    case 'list':
      return {
        type: 'list',
        elementId: asInt(o['element-id'], 'element-id'),
        element: typeFromJson(o.element),
        elementRequired: asBool(o['element-required'], 'element-required'),
      };
    case 'map':
      return {
        type: 'map',
        keyId: asInt(o['key-id'], 'key-id'),
        key: typeFromJson(o.key),
        valueId: asInt(o['value-id'], 'value-id'),
        value: typeFromJson(o.value),
        valueRequired: asBool(o['value-required'], 'value-required'),
      };
    default:
      throw new Error(`unknown Iceberg type ${JSON.stringify(json)}`);
  }
}

function fieldFromJson(json: unknown): NestedField {
  const o = asObject(json, 'field');
  const name = o.name;
  if (typeof name !== 'string') throw new Error(`field without a name: ${JSON.stringify(json)}`);
  const field: NestedField = {
    id: asInt(o.id, `id of field "${name}"`),
    name,
    required: asBool(o.required, `required of field "${name}"`),
    type: typeFromJson(o.type),
  };
  return {
    ...field,
    ...(typeof o.doc === 'string' && { doc: o.doc }),
    ...(o['initial-default'] !== undefined && { initialDefault: o['initial-default'] as Json }),
    ...(o['write-default'] !== undefined && { writeDefault: o['write-default'] as Json }),
  };
}

export function schemaFromJson(json: unknown): Schema {
  const o = asObject(json, 'schema');
  const ids = o['identifier-field-ids'];
  return {
    schemaId: o['schema-id'] === undefined ? 0 : asInt(o['schema-id'], 'schema-id'),
    fields: asArray(o.fields, 'schema fields').map(fieldFromJson),
    identifierFieldIds:
      ids === undefined || ids === null
        ? []
        : asArray(ids, 'identifier-field-ids').map((v) => asInt(v, 'identifier field id')),
  };
}
