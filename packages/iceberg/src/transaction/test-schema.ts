import type { Catalog, TableIdentifier } from '../catalog/catalog';
import { UpdateSchema } from './update-schema';

/** Test helper: commits a schema change to the table through the UpdateSchema action. */
export async function evolveSchema(
  catalog: Catalog,
  id: TableIdentifier,
  change: (update: UpdateSchema) => UpdateSchema,
): Promise<void> {
  await change(await UpdateSchema.start(catalog, id)).commit();
}
