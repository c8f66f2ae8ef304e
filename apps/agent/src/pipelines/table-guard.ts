import { asFolder, isWithin, overlappingTables, tableFolders } from '@floe/iceberg';
import { openTableAccess, type TableAccessHost } from '@floe/ingest';
import type { PipelineSpec } from '@floe/protocol';
import { storageRoot } from '../jobs/storage-root';
import { PolicyError } from '../policy/policy-error';

/**
 * Before a pipeline writes: each of its tables (the routed ones too) must keep its files inside the
 * storage the spec names (which the agent's policy allowed), even when the table already exists with a
 * location of its own, and must not nest inside another table or hold one (as `sales.orders.daily`
 * under `sales.orders` would: orphan removal of one would see the other's files). Throws a PolicyError
 * naming the tables. The spec has passed the policy check: the catalog it names may be asked.
 */
export async function guardPipelineTables(spec: PipelineSpec, host: TableAccessHost): Promise<void> {
  const { catalog, io } = await openTableAccess(spec.table, host);
  try {
    const root = storageRoot(spec.table.storage);
    const names = new Set([spec.table.name, ...Object.values(spec.routing?.routes ?? {})]);
    for (const name of names) {
      const id = { namespace: spec.table.namespace, name };
      const shown = [...id.namespace, name].join('.');
      let location = `${root}${[...id.namespace, name].join('/')}`;
      if (await catalog.tableExists(id)) {
        const { metadata } = await catalog.loadTable(id);
        const outside = tableFolders(metadata).filter((folder) => !isWithin(folder, root));
        if (outside.length > 0)
          throw new PolicyError(
            `policy: table ${shown} keeps files at ${outside.join(', ')}, outside the pipeline's storage ${root}`,
          );
        location = metadata.location;
      }
      const overlaps = await overlappingTables(catalog, id, location);
      if (overlaps.length > 0) {
        const other = overlaps
          .map(
            (t) =>
              `${t.relation === 'inside' ? 'holds' : 'is inside'} table ${[...t.id.namespace, t.id.name].join('.')} at ${t.location}`,
          )
          .join(', ');
        throw new PolicyError(
          `policy: table ${shown} at ${asFolder(location)} ${other}: table locations must not overlap`,
        );
      }
    }
  } finally {
    io.close();
  }
}
