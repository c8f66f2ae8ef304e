import { stringify } from 'yaml';
import type { Contract, ContractedTable } from './model';

/**
 * A dbt `sources.yml` block that checks the same freshness promise downstream: dbt warns at the
 * SLO and errors at twice it. `loaded_at_field` is the Kafka timestamp Floe writes with each row.
 */
export function toDbtSourcesYaml(contract: Contract, table: ContractedTable): string {
  const minutes = contract.slo.freshnessMinutes;
  return stringify({
    version: 2,
    sources: [
      {
        name: table.namespace.join('_'),
        schema: table.namespace.join('.'),
        description: `Kept by Floe from ${table.topics.join(', ')}; owner ${contract.owner.team} (${contract.owner.contact}).`,
        loaded_at_field: '_kafka.timestamp',
        freshness: {
          warn_after: { count: minutes, period: 'minute' },
          error_after: { count: minutes * 2, period: 'minute' },
        },
        tables: [{ name: table.table, identifier: table.table }],
      },
    ],
  });
}
