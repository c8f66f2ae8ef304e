import { applyTransform } from '../transform/apply';
import { toHumanString } from '../transform/human';
import {
  canTransform,
  parseTransform,
  resultType,
  type Transform,
  Transforms,
  transformToString,
} from '../transform/transform';
import { asArray, asInt, asObject, asString, type JsonObject } from '../util/json';
import {
  childField,
  type FieldPath,
  indexById,
  namesById,
  pathSegments,
  type Schema,
  schemaStruct,
} from './schema';
import type { IcebergType, NestedField, PrimitiveType, StructType } from './types';
import type { IcebergValue } from './values';

export interface PartitionField {
  readonly sourceId: number;
  /** Partition field ids start at 1000 and are unique across every spec of a table. */
  readonly fieldId: number;
  readonly name: string;
  readonly transform: Transform;
}

export interface PartitionSpec {
  readonly specId: number;
  readonly fields: readonly PartitionField[];
}

/** The spec's first partition field id; the "last assigned" id of a table without any is 999. */
export const FIRST_PARTITION_FIELD_ID = 1000;
export const UNPARTITIONED: PartitionSpec = { specId: 0, fields: [] };

const TEMPORAL = new Set(['year', 'month', 'day', 'hour']);
const NAME_SUFFIX: Partial<Record<Transform['kind'], string>> = {
  bucket: 'bucket',
  truncate: 'trunc',
  year: 'year',
  month: 'month',
  day: 'day',
  hour: 'hour',
  void: 'null',
};

/**
 * Builds a partition spec from column names, with the reference's default partition names
 * ("ts_day", "id_bucket", ...) and its checks: the transform fits the column, a name is used once and
 * does not shadow another column, one time transform per column.
 */
export class PartitionSpecBuilder {
  private readonly fields: PartitionField[] = [];
  private lastId: number;

  constructor(
    private readonly schema: Schema,
    private readonly options: { specId?: number; lastPartitionId?: number } = {},
  ) {
    this.lastId = options.lastPartitionId ?? FIRST_PARTITION_FIELD_ID - 1;
  }

  identity(column: FieldPath, name?: string): this {
    return this.add(column, Transforms.identity, name);
  }
  bucket(column: FieldPath, n: number, name?: string): this {
    return this.add(column, Transforms.bucket(n), name);
  }
  truncate(column: FieldPath, width: number, name?: string): this {
    return this.add(column, Transforms.truncate(width), name);
  }
  year(column: FieldPath, name?: string): this {
    return this.add(column, Transforms.year, name);
  }
  month(column: FieldPath, name?: string): this {
    return this.add(column, Transforms.month, name);
  }
  day(column: FieldPath, name?: string): this {
    return this.add(column, Transforms.day, name);
  }
  hour(column: FieldPath, name?: string): this {
    return this.add(column, Transforms.hour, name);
  }
  alwaysNull(column: FieldPath, name?: string): this {
    return this.add(column, Transforms.void, name);
  }

  add(column: FieldPath, transform: Transform, name?: string): this {
    const columnName = pathSegments(column).join('.');
    const source = this.sourceField(column);
    const described = `${transformToString(transform)}(${columnName})`;
    if (!canTransform(transform, source.type)) {
      throw new Error(
        `cannot partition by ${described}: ${transformToString(transform)} does not apply to ${source.type.type}`,
      );
    }
    const suffix = NAME_SUFFIX[transform.kind];
    const partitionName = name ?? (suffix === undefined ? columnName : `${columnName}_${suffix}`);
    if (partitionName === '') throw new Error(`cannot partition by ${described}: empty partition name`);
    if (this.fields.some((f) => f.name === partitionName)) {
      throw new Error(`cannot partition by ${described}: partition name "${partitionName}" is used twice`);
    }
    const shadowed = findByDottedName(this.schema, partitionName);
    if (shadowed !== undefined && !(transform.kind === 'identity' && shadowed.id === source.id)) {
      throw new Error(
        `cannot partition by ${described}: name "${partitionName}" is another column of the schema`,
      );
    }
    if (TEMPORAL.has(transform.kind)) {
      const other = this.fields.find((f) => f.sourceId === source.id && TEMPORAL.has(f.transform.kind));
      if (other !== undefined) {
        throw new Error(
          `cannot partition by ${described}: ${columnName} is already partitioned by ${other.transform.kind}`,
        );
      }
    }
    this.lastId += 1;
    this.fields.push({ sourceId: source.id, fieldId: this.lastId, name: partitionName, transform });
    return this;
  }

  build(): PartitionSpec {
    return { specId: this.options.specId ?? 0, fields: [...this.fields] };
  }

  /** Partition sources are primitive columns reached through structs only (not in lists or maps). */
  private sourceField(column: FieldPath): NestedField {
    const segments = pathSegments(column);
    let type: IcebergType = schemaStruct(this.schema);
    let field: NestedField | undefined;
    for (const segment of segments) {
      if (type.type !== 'struct') {
        throw new Error(`cannot partition by "${segments.join('.')}": it is inside a ${type.type}`);
      }
      field = childField(type, segment);
      if (field === undefined) throw new Error(`cannot partition by "${segments.join('.')}": no such column`);
      type = field.type;
    }
    if (field === undefined) throw new Error('cannot partition by an empty column name');
    return field;
  }
}

function findByDottedName(schema: Schema, name: string): NestedField | undefined {
  const index = indexById(schema);
  for (const [id, fullName] of namesById(schema)) if (fullName === name) return index.get(id);
  return undefined;
}

/** The highest partition field id of the spec (999 when it has none). */
export function lastPartitionId(spec: PartitionSpec): number {
  return spec.fields.reduce((max, f) => Math.max(max, f.fieldId), FIRST_PARTITION_FIELD_ID - 1);
}

/** The source column's type of each partition field, checked against the schema. */
function sourceTypes(spec: PartitionSpec, schema: Schema): PrimitiveType[] {
  const index = indexById(schema);
  return spec.fields.map((f) => {
    const source = index.get(f.sourceId);
    if (source === undefined) {
      throw new Error(
        `partition field "${f.name}" reads column id ${f.sourceId}, which schema ${schema.schemaId} lacks`,
      );
    }
    if (!canTransform(f.transform, source.type)) {
      throw new Error(
        `partition field "${f.name}": ${transformToString(f.transform)} does not apply to ${source.type.type}`,
      );
    }
    return source.type as PrimitiveType;
  });
}

/** The struct of partition values as manifests store it: partition field ids, result types, optional. */
export function partitionType(spec: PartitionSpec, schema: Schema): StructType {
  const types = sourceTypes(spec, schema);
  return {
    type: 'struct',
    fields: spec.fields.map((f, i) => ({
      id: f.fieldId,
      name: f.name,
      required: false,
      type: resultType(f.transform, types[i] as PrimitiveType),
    })),
  };
}

/** A row's partition tuple, given each source column's value by field id. */
export function partitionValues(
  spec: PartitionSpec,
  schema: Schema,
  sourceValue: (sourceId: number) => IcebergValue,
): IcebergValue[] {
  return partitioner(spec, schema)(sourceValue);
}

/** partitionValues for many rows of one schema: the source columns are looked up once. */
export function partitioner(
  spec: PartitionSpec,
  schema: Schema,
): (sourceValue: (sourceId: number) => IcebergValue) => IcebergValue[] {
  const types = sourceTypes(spec, schema);
  return (sourceValue) =>
    spec.fields.map((f, i) =>
      applyTransform(f.transform, types[i] as PrimitiveType, sourceValue(f.sourceId)),
    );
}

/** The Hive-style directory of a partition tuple, "ts_day=2024-01-02/id_bucket=3", as Java writes it. */
export function partitionPath(spec: PartitionSpec, schema: Schema, values: readonly IcebergValue[]): string {
  if (values.length !== spec.fields.length) {
    throw new Error(`partition tuple has ${values.length} values for ${spec.fields.length} partition fields`);
  }
  const types = sourceTypes(spec, schema);
  return spec.fields
    .map((f, i) => {
      const human = toHumanString(f.transform, types[i] as PrimitiveType, values[i] ?? null);
      return `${escapePathPart(f.name)}=${escapePathPart(human)}`;
    })
    .join('/');
}

/** java.net.URLEncoder with UTF-8: what the reference uses to escape partition path parts. */
function escapePathPart(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+');
}

export function partitionSpecToJson(spec: PartitionSpec): JsonObject {
  return {
    'spec-id': spec.specId,
    fields: spec.fields.map((f) => ({
      name: f.name,
      transform: transformToString(f.transform),
      'source-id': f.sourceId,
      'field-id': f.fieldId,
    })),
  };
}

export function partitionSpecFromJson(json: unknown): PartitionSpec {
  const o = asObject(json, 'partition spec');
  return {
    specId: asInt(o['spec-id'], 'spec-id'),
    fields: asArray(o.fields, 'partition spec fields').map((value) => {
      const f = asObject(value, 'partition field');
      const name = asString(f.name, 'partition field name');
      return {
        sourceId: asInt(f['source-id'], `source-id of partition field "${name}"`),
        fieldId: asInt(f['field-id'], `field-id of partition field "${name}"`),
        name,
        transform: parseTransform(asString(f.transform, `transform of partition field "${name}"`)),
      };
    }),
  };
}
