import { stringify } from 'yaml';
import type { Contract, ContractedTable } from './model';

const ALLOWED_CHANGES = {
  additive: 'new optional columns only',
  'compatible-widening':
    'new optional columns and Iceberg type promotions (int→long, float→double, decimal precision)',
  none: 'no schema changes without a new major version',
} as const;

/** The contract as an Open Data Contract Standard v3 document (YAML). */
export function toOdcsYaml(contract: Contract, table: ContractedTable): string {
  const qualified = [...table.namespace, table.table].join('.');
  const document = {
    apiVersion: 'v3.0.2',
    kind: 'DataContract',
    // The table's name is its identity for readers; the pipeline's id is the control plane's business.
    id: qualified,
    name: table.name,
    version: `${table.version}.0.0`,
    status: 'active',
    description: {
      purpose:
        contract.description ||
        `Kafka topics ${table.topics.join(', ')} kept as the Iceberg table ${qualified} by Floe.`,
      usage: `${table.changes} Deletes: ${contract.deletes}. Schema changes allowed: ${ALLOWED_CHANGES[contract.schema.allowedChanges]}.`,
    },
    // No servers: ODCS requires the catalog's URL or the Glue account there, and a shared contract
    // is public. Readers reach the table through their own catalog, by the schema's physical name.
    schema: [
      {
        name: table.table,
        physicalName: qualified,
        physicalType: 'table',
        logicalType: 'object',
        description: `Partitioned by ${table.partitioning.join(', ') || 'nothing'}.`,
        properties: contract.schema.identifierFields.map(({ name, logicalType }, i) => ({
          name,
          logicalType,
          primaryKey: true,
          primaryKeyPosition: i + 1,
        })),
      },
    ],
    team: { name: contract.owner.team, members: [{ username: contract.owner.contact, role: 'owner' }] },
    support: [
      {
        channel: contract.incidents.channel,
        url: contract.owner.contact.includes('://')
          ? contract.owner.contact
          : `mailto:${contract.owner.contact}`,
      },
    ],
    slaProperties: [
      {
        property: 'freshness',
        value: contract.slo.freshnessMinutes,
        unit: 'minutes',
        description: `Complete to within ${contract.slo.freshnessMinutes} minutes, ${contract.slo.targetPercent}% of minutes over ${contract.slo.windowDays} days.`,
      },
      { property: 'latency', value: contract.slo.freshnessMinutes, unit: 'minutes', driver: 'operational' },
      {
        property: 'retention',
        value: contract.retention.snapshotDays,
        unit: 'days',
        description: 'Snapshot retention',
      },
      ...(contract.slo.completenessPercent !== undefined
        ? [{ property: 'completeness', value: contract.slo.completenessPercent, unit: 'percent' }]
        : []),
      { property: 'timeToRecover', value: contract.incidents.expectedRecoveryMinutes, unit: 'minutes' },
    ],
    customProperties: [
      { property: 'maintenanceOwner', value: contract.maintenance.owner },
      { property: 'maintenanceSchedule', value: contract.maintenance.schedule },
      { property: 'sourceTopics', value: table.topics.join(',') },
    ],
  };
  return stringify(document);
}
