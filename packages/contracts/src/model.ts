import { z } from 'zod';

/**
 * What a table promises the teams downstream. Versioned by the control plane; evaluated
 * against what the agent reports.
 */
export const contractSchema = z.object({
  description: z.string().trim().max(2000).default(''),
  owner: z.object({
    team: z.string().trim().min(2, 'at least 2 characters').max(80),
    contact: z.string().trim().min(3, 'an email or a URL').max(200),
  }),
  schema: z.object({
    // Named with their logical type (the ODCS vocabulary) so downstream tools know what a key is.
    identifierFields: z
      .array(
        z.object({
          name: z
            .string()
            .max(255, 'at most 255 characters')
            .regex(/^[A-Za-z_][\w.]*$/, 'a column name'),
          logicalType: z.enum(['string', 'integer', 'number', 'boolean', 'date', 'timestamp']),
        }),
      )
      .max(50, 'at most 50 identifier fields')
      .default([]),
    allowedChanges: z.enum(['additive', 'compatible-widening', 'none']),
  }),
  deletes: z.enum(['append-only', 'upsert-by-key', 'tombstones']),
  retention: z.object({
    snapshotDays: z.number().int().min(1, 'at least 1 day').max(3650),
    minSnapshots: z.number().int().min(1).max(10_000),
  }),
  maintenance: z.object({
    owner: z.string().trim().min(2).max(80),
    schedule: z.string().trim().min(2).max(120),
  }),
  incidents: z.object({
    channel: z.string().trim().min(2, 'where incidents are announced').max(200),
    expectedRecoveryMinutes: z.number().int().min(1).max(10_080),
  }),
  slo: z.object({
    freshnessMinutes: z.number().int().min(1, 'at least 1 minute').max(10_080),
    targetPercent: z.number().min(50, 'at least 50%').max(100, 'at most 100%'),
    windowDays: z.number().int().min(1).max(365),
    completenessPercent: z.number().min(0).max(100).optional(),
  }),
});

export type Contract = z.infer<typeof contractSchema>;
export type ContractInput = z.input<typeof contractSchema>;

/**
 * The table a contract is about, as a downstream reader sees it on the public share page and in the
 * exports: no pipeline id, catalog address, account id or credential reference.
 */
export interface ContractedTable {
  name: string;
  version: number;
  namespace: string[];
  table: string;
  topics: string[];
  partitioning: string[];
  /** How records change the table and how updated and deleted rows are kept (describeChanges). */
  changes: string;
}
