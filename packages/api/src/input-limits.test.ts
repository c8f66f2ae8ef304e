import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { appRouter } from './root';
import { type Schema, unboundedParts } from './testing/unbounded';

const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { inputs: Schema[] } }>,
);

describe('unboundedParts', () => {
  it('names each string, array and record a caller could make as long as they like', () => {
    const schema = z.object({
      name: z.string().trim(),
      tags: z.array(z.string().max(10)),
      nested: z.object({ ids: z.array(z.string().regex(/^[a-z]+$/)).max(5) }).optional(),
      extra: z.record(z.string().max(5), z.number()),
      any: z.unknown(),
    });
    expect(unboundedParts(schema as Schema)).toEqual([
      'name: string without max',
      'tags: array without max',
      'nested.ids[]: string without max',
      'extra: record without a size check',
      'any: unknown of unbounded size',
    ]);
  });

  it('accepts maxima, bounded patterns, and the input side of a pipe', () => {
    const schema = z.object({
      email: z.string().max(254).pipe(z.email()),
      offset: z.string().regex(/^-?\d{1,19}$/),
      ids: z.array(z.string().max(100)).max(10).default([]),
      figures: z.record(z.string().max(5), z.number()).refine((r) => Object.keys(r).length <= 3),
      mode: z.enum(['a', 'b']).nullable(),
    });
    expect(unboundedParts(schema as Schema)).toEqual([]);
  });
});

describe('every tRPC input is bounded', () => {
  it('finds the routers', () => {
    expect(procedures.length).toBeGreaterThan(40);
  });

  it('has a maximum on every string and array of every procedure input', () => {
    const unbounded = procedures.flatMap(([name, procedure]) =>
      procedure._def.inputs.flatMap((input) => unboundedParts(input).map((part) => `${name} ${part}`)),
    );
    expect(unbounded).toEqual([]);
  });
});
