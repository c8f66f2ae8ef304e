import { type IcebergType, isPrimitive, type NestedField, type StructType, T } from '@floe/iceberg';

/**
 * The struct a new table starts with: every field any record of the first batch has (schemaless JSON
 * says little per record), each required only when every record has it required, with numeric kinds
 * joined where one holds the other's values (int+long → long, long+double → double: whether each
 * value is exact is checked when the record is fitted). Other disagreements keep the first type seen;
 * the records that disagree are rejected when fitted.
 */
export function mergeStructs(structs: readonly StructType[]): StructType {
  const merged = new Map<string, NestedField>();
  const seenIn = new Map<string, number>();
  for (const struct of structs) {
    for (const field of struct.fields) {
      seenIn.set(field.name, (seenIn.get(field.name) ?? 0) + 1);
      const previous = merged.get(field.name);
      merged.set(
        field.name,
        previous === undefined
          ? field
          : {
              ...previous,
              required: previous.required && field.required,
              type: mergeTypes(previous.type, field.type),
            },
      );
    }
  }
  return T.struct(
    [...merged.values()].map((f) => (seenIn.get(f.name) === structs.length ? f : { ...f, required: false })),
  );
}

const NUMERIC_RANK: Record<string, number> = { int: 1, long: 2, float: 3, double: 4 };

function mergeTypes(a: IcebergType, b: IcebergType): IcebergType {
  if (isPrimitive(a) && isPrimitive(b)) {
    const ra = NUMERIC_RANK[a.type];
    const rb = NUMERIC_RANK[b.type];
    if (ra !== undefined && rb !== undefined) {
      if (ra >= 3 || rb >= 3) return ra === 4 || rb === 4 || ra <= 2 || rb <= 2 ? T.double : T.float;
      return ra >= rb ? a : b;
    }
    if (a.type === 'decimal' && b.type === 'decimal' && a.scale === b.scale) {
      return a.precision >= b.precision ? a : b;
    }
    return a;
  }
  if (a.type === 'struct' && b.type === 'struct') return mergeStructs([a, b]);
  if (a.type === 'list' && b.type === 'list') {
    return {
      ...a,
      element: mergeTypes(a.element, b.element),
      elementRequired: a.elementRequired && b.elementRequired,
    };
  }
  if (a.type === 'map' && b.type === 'map') {
    return { ...a, value: mergeTypes(a.value, b.value), valueRequired: a.valueRequired && b.valueRequired };
  }
  return a;
}
