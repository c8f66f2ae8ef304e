import {
  Data,
  DataType,
  type Decimal,
  type Field,
  type FixedSizeBinary,
  type Float,
  type Int,
  type Map_,
  makeData,
  RecordBatch,
  Struct,
  type Time,
  type Timestamp,
  Type,
} from 'apache-arrow';
import type { Schema } from '../spec/schema';
import { type IcebergType, type NestedField, type PrimitiveType, primitiveToString } from '../spec/types';
import type { IcebergValue } from '../spec/values';
import { arrowSchema, arrowType, FIELD_ID_KEY } from '../writer/arrow-schema';
import { rowsToArrow } from '../writer/rows-to-arrow';

/** Values of columns a file lacks, by field id: identity partition values of the file's partition tuple. */
export type ProjectionConstants = ReadonlyMap<number, IcebergValue>;

/**
 * A batch read from a data file, in the table schema's Arrow form (spec "Column Projection"): columns
 * are found by field id whatever their name in the file; a column the file lacks is its constant or
 * null; a file type is taken only where the table's type holds every value (int in long, float in
 * double, a narrower decimal, 64-bit offsets).
 */
export function projectBatch(
  schema: Schema,
  batch: RecordBatch,
  constants: ProjectionConstants,
): RecordBatch {
  const target = arrowSchema(schema);
  const children = projectFields(schema.fields, batch.schema.fields, batch.data.children, batch.numRows, {
    constants,
    prefix: '',
  });
  return new RecordBatch(
    target,
    makeData({ type: new Struct(target.fields), length: batch.numRows, nullCount: 0, children }),
  );
}

interface Where {
  constants: ProjectionConstants;
  prefix: string;
}

function fieldId(field: Field): number | undefined {
  const id = field.metadata.get(FIELD_ID_KEY);
  return id === undefined ? undefined : Number(id);
}

function projectFields(
  fields: readonly NestedField[],
  sourceFields: readonly Field[],
  sourceData: readonly Data[],
  length: number,
  where: Where,
): Data[] {
  const byId = new Map(sourceFields.map((f, i) => [fieldId(f), i]));
  return fields.map((f) => {
    const path = where.prefix === '' ? f.name : `${where.prefix}.${f.name}`;
    const i = byId.get(f.id);
    if (i === undefined) return missingColumn(f, length, where.constants, path);
    const source = sourceFields[i] as Field;
    return projectColumn(f.type, source, sourceData[i] as Data, { ...where, prefix: path });
  });
}

function missingColumn(
  field: NestedField,
  length: number,
  constants: ProjectionConstants,
  path: string,
): Data {
  if (field.initialDefault !== undefined) {
    throw new Error(
      `column ${path} (field id ${field.id}) is not in the file and has a default value, which is not read`,
    );
  }
  const constant = widenConstant(field.type, constants.get(field.id) ?? null);
  if (constant === null && field.required) {
    throw new Error(`required column ${path} (field id ${field.id}) is not in the file`);
  }
  const row = { [field.name]: constant };
  const single = { schemaId: 0, fields: [field], identifierFieldIds: [] };
  return rowsToArrow(single, new Array(length).fill(row)).data.children[0] as Data;
}

// A partition value written before an int column became long is still a number.
function widenConstant(type: IcebergType, value: IcebergValue): IcebergValue {
  return type.type === 'long' && typeof value === 'number' ? BigInt(value) : value;
}

function fail(where: Where, source: DataType, type: IcebergType): never {
  const target =
    type.type === 'struct' || type.type === 'list' || type.type === 'map'
      ? type.type
      : primitiveToString(type);
  throw new Error(
    `column ${where.prefix} is ${source} in the file, which does not read as ${target} without loss`,
  );
}

function projectColumn(type: IcebergType, source: Field, data: Data, where: Where): Data {
  const target = arrowType(type);
  switch (type.type) {
    case 'struct': {
      if (source.type.typeId !== Type.Struct) fail(where, source.type, type);
      const children = projectFields(type.fields, source.type.children, data.children, data.length, where);
      return new Data(target, data.offset, data.length, data.nullCount, data, children);
    }
    case 'list': {
      const listed = source.type.typeId === Type.List || source.type.typeId === Type.LargeList;
      const element = source.type.children?.[0] as Field | undefined;
      if (!listed || element === undefined) fail(where, source.type, type);
      if (fieldId(element) !== type.elementId) {
        throw new Error(
          `column ${where.prefix} has element id ${fieldId(element)} in the file, not ${type.elementId}`,
        );
      }
      const elementWhere = { ...where, prefix: `${where.prefix}.element` };
      if (source.type.typeId === Type.List) {
        const child = projectColumn(type.element, element, data.children[0] as Data, elementWhere);
        return new Data(target, data.offset, data.length, data.nullCount, data, [child]);
      }
      const { offsets, start, end } = narrowOffsets(data);
      const child = (data.children[0] as Data).slice(start, end - start);
      return makeData({
        type: target,
        length: data.length,
        ...validity(data),
        valueOffsets: offsets,
        child: projectColumn(type.element, element, child, elementWhere),
      } as never);
    }
    case 'map': {
      if (source.type.typeId !== Type.Map) fail(where, source.type, type);
      const entries = data.children[0] as Data;
      const entryFields = (source.type as Map_).children[0]?.type.children as Field[];
      const [key, value] = projectFields(
        [
          { id: type.keyId, name: 'key', required: true, type: type.key },
          { id: type.valueId, name: 'value', required: type.valueRequired, type: type.value },
        ],
        entryFields,
        entries.children,
        entries.length,
        where,
      );
      const entriesType = (target as Map_).children[0]?.type as Struct;
      const projected = new Data(entriesType, entries.offset, entries.length, 0, entries, [
        key as Data,
        value as Data,
      ]);
      return new Data(target, data.offset, data.length, data.nullCount, data, [projected]);
    }
    default:
      return projectPrimitive(type, target, source.type, data, where);
  }
}

function projectPrimitive(
  type: PrimitiveType,
  target: DataType,
  source: DataType,
  data: Data,
  where: Where,
): Data {
  if (sameLayout(target, source)) return new Data(target, data.offset, data.length, data.nullCount, data);
  if (
    DataType.isInt(target) &&
    DataType.isInt(source) &&
    source.isSigned &&
    source.bitWidth < target.bitWidth
  ) {
    const values = data.values as ArrayLike<number>;
    const out = target.bitWidth === 64 ? new BigInt64Array(data.length) : new Int32Array(data.length);
    for (let i = 0; i < data.length; i += 1) {
      if (data.getValid(i))
        out[i] = (target.bitWidth === 64 ? BigInt(values[i] as number) : values[i]) as never;
    }
    return makeData({ type: target, length: data.length, ...validity(data), data: out } as never);
  }
  if (DataType.isFloat(target) && DataType.isFloat(source) && source.precision < target.precision) {
    return makeData({
      type: target,
      length: data.length,
      ...validity(data),
      data: Float64Array.from(data.values as Float32Array),
    } as never);
  }
  const large =
    (source.typeId === Type.LargeUtf8 && target.typeId === Type.Utf8) ||
    (source.typeId === Type.LargeBinary && target.typeId === Type.Binary);
  if (large) {
    const { offsets, start, end } = narrowOffsets(data);
    const bytes = (data.values as Uint8Array).subarray(start, end);
    return makeData({
      type: target,
      length: data.length,
      ...validity(data),
      valueOffsets: offsets,
      data: bytes,
    } as never);
  }
  return fail(where, source, type);
}

/** Whether a file column's buffers already hold the table type's values, as they are. */
function sameLayout(target: DataType, source: DataType): boolean {
  if (target.typeId !== source.typeId) return false;
  switch (target.typeId) {
    case Type.Int:
      return (
        (target as Int).bitWidth === (source as Int).bitWidth &&
        (target as Int).isSigned === (source as Int).isSigned
      );
    case Type.Float:
      return (target as Float).precision === (source as Float).precision;
    case Type.Decimal: {
      const [t, s] = [target as Decimal, source as Decimal];
      return t.scale === s.scale && t.bitWidth === s.bitWidth && s.precision <= t.precision;
    }
    case Type.Timestamp: {
      const [t, s] = [target as Timestamp, source as Timestamp];
      return t.unit === s.unit && (t.timezone == null) === (s.timezone == null);
    }
    case Type.Time:
      return (
        (target as Time).unit === (source as Time).unit &&
        (target as Time).bitWidth === (source as Time).bitWidth
      );
    case Type.Date:
      return (target as DataType & { unit: number }).unit === (source as DataType & { unit: number }).unit;
    case Type.FixedSizeBinary:
      return (target as FixedSizeBinary).byteWidth === (source as FixedSizeBinary).byteWidth;
    default:
      return target.typeId === Type.Bool || target.typeId === Type.Utf8 || target.typeId === Type.Binary;
  }
}

/** A validity bitmap from offset 0 (the source's may start at its slice offset). */
function validity(data: Data): { nullCount: number; nullBitmap?: Uint8Array } {
  if (data.nullCount === 0) return { nullCount: 0 };
  const bitmap = new Uint8Array((data.length + 7) >> 3);
  for (let i = 0; i < data.length; i += 1) {
    if (data.getValid(i)) bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
  }
  return { nullCount: data.nullCount, nullBitmap: bitmap };
}

/** 64-bit value offsets as 32-bit ones from 0, and the range of the child or bytes they span. */
function narrowOffsets(data: Data): { offsets: Int32Array; start: number; end: number } {
  if (data.length === 0) return { offsets: new Int32Array(1), start: 0, end: 0 };
  const wide = data.valueOffsets as unknown as BigInt64Array;
  const start = Number(wide[0]);
  const end = Number(wide[data.length]);
  if (end - start > 0x7fffffff) throw new Error(`a batch holds more than 2 GiB in one column`);
  return {
    offsets: Int32Array.from(wide.subarray(0, data.length + 1), (o) => Number(o) - start),
    start,
    end,
  };
}
