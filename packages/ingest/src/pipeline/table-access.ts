import { type Catalog, GlueCatalog, RestCatalog, S3FileIO, type S3FileIOOptions } from '@floe/iceberg';
import type { PipelineSpec, SecretRef } from '@floe/protocol';

type TableSpec = Pick<PipelineSpec['table'], 'catalog' | 'storage'>;

export interface TableAccessHost {
  resolveSecret(ref: SecretRef): Promise<string>;
  /** Credentials for the bucket (and Glue): an assumed role's provider, or the SDK's chain when unset. */
  awsCredentials?: S3FileIOOptions['credentials'];
}

/** The catalog and the storage a table spec names, opened with the host's secrets and credentials. */
export async function openTableAccess(
  table: TableSpec,
  host: TableAccessHost,
): Promise<{ catalog: Catalog; io: S3FileIO }> {
  const { storage, catalog } = table;
  const credentials = host.awsCredentials === undefined ? {} : { credentials: host.awsCredentials };
  const io = new S3FileIO({
    region: storage.region,
    ...(storage.endpoint !== undefined && { endpoint: storage.endpoint }),
    ...credentials,
  });
  if (catalog.type === 'rest') {
    const token = catalog.credential === undefined ? undefined : await host.resolveSecret(catalog.credential);
    return {
      io,
      catalog: new RestCatalog({
        uri: catalog.uri,
        warehouse: catalog.warehouse,
        ...(token !== undefined && { token }),
      }),
    };
  }
  return {
    io,
    catalog: new GlueCatalog({
      region: catalog.region,
      // Glue sits behind the same custom endpoint as the bucket (a VPC endpoint, or a local stand-in).
      ...(storage.endpoint !== undefined && { endpoint: storage.endpoint }),
      ...(catalog.catalogId !== undefined && { catalogId: catalog.catalogId }),
      ...credentials,
      io,
    }),
  };
}
