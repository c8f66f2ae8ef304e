import type { z } from 'zod';

export type Schema = z.core.$ZodType;

/**
 * Where a schema lets a caller send something of unbounded size: a string without a maximum
 * length, an array without a maximum count, a record, or any value at all. Only the input side of a
 * pipe or transform counts: that is what a request carries.
 */
export function unboundedParts(schema: Schema, path = '', seen = new Set<Schema>()): string[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  const checks = (def.checks ?? []) as z.core.$ZodCheck[];
  const hasMax = checks.some(
    (c) => ['max_length', 'length_equals'].includes(c._zod.def.check) || boundedPattern(c),
  );
  const walk = (inner: unknown, at = path) => unboundedParts(inner as Schema, at, seen);
  switch (def.type) {
    case 'string':
      return !hasMax ? [`${path || '(input)'}: string without max`] : [];
    case 'array':
      return [...(!hasMax ? [`${path}: array without max`] : []), ...walk(def.element, `${path}[]`)];
    case 'object':
      return Object.entries(def.shape as Record<string, Schema>).flatMap(([key, value]) =>
        walk(value, path ? `${path}.${key}` : key),
      );
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      return walk(def.innerType);
    case 'pipe':
      return walk(def.in);
    case 'union':
      return (def.options as Schema[]).flatMap((option) => walk(option));
    case 'intersection':
      return [...walk(def.left), ...walk(def.right)];
    case 'tuple':
      return (def.items as Schema[]).flatMap((item, i) => walk(item, `${path}[${i}]`));
    case 'lazy':
      return walk((def.getter as () => Schema)());
    case 'record':
      // A record passes with a refine (its count check); its keys and values are walked.
      return checks.some((c) => c._zod.def.check === 'custom')
        ? [...walk(def.keyType, `${path}{key}`), ...walk(def.valueType, `${path}{}`)]
        : [`${path || '(input)'}: record without a size check`];
    case 'map':
    case 'set':
    case 'any':
    case 'unknown':
      return [`${path || '(input)'}: ${def.type} of unbounded size`];
    default:
      // Numbers, booleans, dates, enums, literals, null, transforms of those: fixed size.
      return [];
  }
}

/** A regex check that matches whole strings of bounded length: anchored, no `*`, `+` or `{n,}`. */
function boundedPattern(check: z.core.$ZodCheck): boolean {
  const def = check._zod.def as { check: string; format?: string; pattern?: RegExp };
  if (def.check !== 'string_format' || def.format !== 'regex' || !def.pattern) return false;
  const source = def.pattern.source.replace(/\\./g, 'x');
  return source.startsWith('^') && source.endsWith('$') && !/[*+]|\{\d+,\}/.test(source);
}
