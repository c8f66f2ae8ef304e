import {
  type Catalog,
  GlueCatalog,
  HiveCatalog,
  RestCatalog,
  type RestCatalogOptions,
  S3FileIO,
  type S3FileIOOptions,
} from '@floe/iceberg';
import type { PipelineSpec, SecretRef } from '@floe/protocol';
import { awsCredentialsProvider } from '../aws-credentials';

type TableSpec = Pick<PipelineSpec['table'], 'catalog' | 'storage'>;
type RestCatalogSpec = Extract<TableSpec['catalog'], { type: 'rest' }>;

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
  if (catalog.type === 'rest')
    return { io, catalog: new RestCatalog(await restCatalogOptions(catalog, host)) };
  // The metastore holds only the pointer to each table's metadata file: the files go through `io`.
  if (catalog.type === 'hive') return { io, catalog: new HiveCatalog({ uri: catalog.uri, io }) };
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

/**
 * A REST catalog spec as client options: its bearer token or OAuth2 client secret resolved by the
 * host, or SigV4 signing with the host's AWS credentials (the pipeline's role), as pipelines and
 * connection tests alike open it.
 */
export async function restCatalogOptions(
  catalog: RestCatalogSpec,
  host: TableAccessHost,
): Promise<RestCatalogOptions> {
  const { uri, warehouse, credential, auth } = catalog;
  const options: RestCatalogOptions = { uri, warehouse };
  if (credential !== undefined) options.token = await host.resolveSecret(credential);
  if (auth?.type === 'oauth2') {
    options.oauth2 = {
      clientId: auth.clientId,
      clientSecret: await host.resolveSecret(auth.clientSecret),
      ...(auth.scope !== undefined && { scope: auth.scope }),
      ...(auth.tokenUri !== undefined && { serverUri: auth.tokenUri }),
    };
  }
  if (auth?.type === 'sigv4') {
    options.sigv4 = {
      region: auth.region,
      service: auth.signingName,
      credentials: awsCredentialsProvider(host.awsCredentials),
    };
  }
  return options;
}
