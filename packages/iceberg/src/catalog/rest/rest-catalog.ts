import { partitionSpecToJson } from '../../spec/partition-spec';
import { schemaToJson } from '../../spec/schema';
import { LONG_KEYS, sortOrderToJson, tableMetadataFromJson } from '../../spec/table-metadata';
import {
  asArray,
  asObject,
  asString,
  asStringMap,
  type JsonObject,
  parseJson,
  stringifyJson,
} from '../../util/json';
import type { Catalog, CreateTableRequest, LoadedTable, Namespace, TableIdentifier } from '../catalog';
import { tableName } from '../catalog';
import {
  AlreadyExistsError,
  CatalogError,
  CommitFailedError,
  CommitStateUnknownError,
  NamespaceNotEmptyError,
  NoSuchNamespaceError,
  NoSuchTableError,
} from '../errors';
import { requirementToJson, type TableRequirement, type TableUpdate, updateToJson } from '../table-commit';
import {
  parseErrorBody,
  type RestHttpOptions,
  type RestResponse,
  RestTransportError,
  restRequest,
} from './http';
import { type OAuth2ClientCredentials, OAuth2TokenSource } from './oauth2';
import { type SigV4Signing, sigv4Signer } from './sigv4-signing';

export interface RestCatalogOptions extends RestHttpOptions {
  /** Sent to /v1/config; the server may answer with a prefix for this warehouse. */
  warehouse?: string;
  /** Ask the server to vend credentials or sign requests (header X-Iceberg-Access-Delegation). */
  accessDelegation?: ('vended-credentials' | 'remote-signing')[];
  /** Bearer tokens from the OAuth2 client credentials grant, instead of a fixed `token`. */
  oauth2?: OAuth2ClientCredentials;
  /** Requests signed with AWS SigV4 (the Glue Iceberg REST endpoint, S3 Tables), instead of a token. */
  sigv4?: SigV4Signing;
}

interface ResolvedConfig {
  /** "v1/" or "v1/<prefix>/". */
  base: string;
  /** The URL-encoded separator of namespace parts in a path ("%1F", the unit separator, by default). */
  separator: string;
}

// How each kind of call reads the statuses the REST spec gives it (as the Java client's error handlers do).
type CallKind = 'namespace' | 'create-namespace' | 'drop-namespace' | 'table' | 'commit';

/** A catalog that speaks the Iceberg REST catalog API (Apache Iceberg's server, Polaris, Nessie, ...). */
export class RestCatalog implements Catalog {
  private config: Promise<ResolvedConfig> | undefined;
  private readonly http: RestHttpOptions;
  private readonly tokens: OAuth2TokenSource | undefined;

  constructor(private readonly options: RestCatalogOptions) {
    const headers = { ...options.headers };
    if (options.accessDelegation?.length)
      headers['X-Iceberg-Access-Delegation'] = options.accessDelegation.join(',');
    this.http = { ...options, headers };
    const schemes = [options.token, options.oauth2, options.sigv4].filter((s) => s !== undefined);
    if (schemes.length > 1)
      throw new Error('a REST catalog takes one of a token, OAuth2 credentials or SigV4 signing');
    if (options.sigv4 !== undefined) this.http.sign = sigv4Signer(options.sigv4);
    if (options.oauth2 !== undefined) {
      this.tokens = new OAuth2TokenSource({
        ...options.oauth2,
        serverUri: options.oauth2.serverUri ?? `${options.uri.replace(/\/+$/, '')}/v1/oauth/tokens`,
        timeoutMs: options.timeoutMs,
      });
    }
  }

  async listNamespaces(parent?: Namespace): Promise<Namespace[]> {
    const { base, separator } = await this.resolved();
    const query: Record<string, string> = parent?.length
      ? { parent: parent.join(decodeURIComponent(separator)) }
      : {};
    const context = parent?.length ? `list namespaces under ${parent.join('.')}` : 'list namespaces';
    return this.paged(`${base}namespaces`, query, context, 'namespace', 'namespaces', (v) =>
      asArray(v, 'namespace').map((part) => asString(part, 'namespace part')),
    );
  }

  async createNamespace(namespace: Namespace, properties: Record<string, string> = {}): Promise<void> {
    const { base } = await this.resolved();
    await this.call(
      'create-namespace',
      `create namespace ${namespace.join('.')}`,
      'POST',
      `${base}namespaces`,
      {
        namespace: [...namespace],
        properties,
      },
    );
  }

  async dropNamespace(namespace: Namespace): Promise<void> {
    const path = await this.namespacePath(namespace);
    await this.call('drop-namespace', `drop namespace ${namespace.join('.')}`, 'DELETE', path);
  }

  async listTables(namespace: Namespace): Promise<TableIdentifier[]> {
    const path = await this.namespacePath(namespace);
    return this.paged(
      `${path}/tables`,
      {},
      `list tables of ${namespace.join('.')}`,
      'table',
      'identifiers',
      (v) => {
        const o = asObject(v, 'table identifier');
        return {
          namespace: asArray(o.namespace, 'namespace').map((p) => asString(p, 'namespace part')),
          name: asString(o.name, 'table name'),
        };
      },
    );
  }

  async createTable(namespace: Namespace, request: CreateTableRequest): Promise<LoadedTable> {
    const path = await this.namespacePath(namespace);
    const identifier = { namespace, name: request.name };
    const body: JsonObject = {
      name: request.name,
      schema: schemaToJson(request.schema),
      'stage-create': false,
    };
    if (request.location !== undefined) body.location = request.location;
    if (request.partitionSpec !== undefined)
      body['partition-spec'] = partitionSpecToJson(request.partitionSpec);
    if (request.sortOrder !== undefined) body['write-order'] = sortOrderToJson(request.sortOrder);
    if (request.properties !== undefined) body.properties = request.properties;
    const text = await this.call(
      'table',
      `create table ${tableName(identifier)}`,
      'POST',
      `${path}/tables`,
      body,
    );
    return loadResult(identifier, text);
  }

  async loadTable(id: TableIdentifier): Promise<LoadedTable> {
    const text = await this.call('table', `load table ${tableName(id)}`, 'GET', await this.tablePath(id));
    return loadResult(id, text);
  }

  async tableExists(id: TableIdentifier): Promise<boolean> {
    const response = await this.send(`check table ${tableName(id)}`, 'HEAD', await this.tablePath(id));
    if (response.status === 404) return false;
    if (response.status >= 200 && response.status < 300) return true;
    throw errorFor('table', `check table ${tableName(id)}`, response);
  }

  async dropTable(id: TableIdentifier, options: { purge?: boolean } = {}): Promise<void> {
    const query = options.purge ? '?purgeRequested=true' : '';
    await this.call('table', `drop table ${tableName(id)}`, 'DELETE', `${await this.tablePath(id)}${query}`);
  }

  async updateTable(
    id: TableIdentifier,
    requirements: TableRequirement[],
    updates: TableUpdate[],
  ): Promise<LoadedTable> {
    const context = `commit to table ${tableName(id)}`;
    const body = {
      identifier: { namespace: [...id.namespace], name: id.name },
      requirements: requirements.map(requirementToJson),
      updates: updates.map(updateToJson),
    };
    const text = await this.call('commit', context, 'POST', await this.tablePath(id), body);
    return loadResult(id, text);
  }

  /** GET /v1/config once, then every path uses its prefix and namespace separator. */
  private resolved(): Promise<ResolvedConfig> {
    this.config ??= (async () => {
      const query = this.options.warehouse ? `?warehouse=${encodeURIComponent(this.options.warehouse)}` : '';
      const text = await this.call('namespace', 'read catalog config', 'GET', `v1/config${query}`);
      const o = asObject(parseJson(text), 'config response');
      const merged = {
        ...asStringMap(o.defaults ?? {}, 'config defaults'),
        ...asStringMap(o.overrides ?? {}, 'config overrides'),
      };
      const prefix = merged.prefix?.replace(/^\/+|\/+$/g, '');
      return { base: prefix ? `v1/${prefix}/` : 'v1/', separator: merged['namespace-separator'] ?? '%1F' };
    })().catch((error: unknown) => {
      this.config = undefined; // a failed config read is retried by the next call
      throw error;
    });
    return this.config;
  }

  private async namespacePath(namespace: Namespace): Promise<string> {
    if (namespace.length === 0) throw new Error('a namespace needs at least one level');
    const { base, separator } = await this.resolved();
    return `${base}namespaces/${namespace.map(encodeURIComponent).join(separator)}`;
  }

  private async tablePath(id: TableIdentifier): Promise<string> {
    return `${await this.namespacePath(id.namespace)}/tables/${encodeURIComponent(id.name)}`;
  }

  private async paged<T>(
    path: string,
    query: Record<string, string>,
    context: string,
    kind: CallKind,
    member: string,
    read: (value: unknown) => T,
  ): Promise<T[]> {
    const out: T[] = [];
    let pageToken: string | undefined;
    do {
      const params = new URLSearchParams(query);
      if (pageToken !== undefined) params.set('pageToken', pageToken);
      const search = params.size > 0 ? `?${params}` : '';
      const o = asObject(
        parseJson(await this.call(kind, context, 'GET', `${path}${search}`)),
        `${context} response`,
      );
      out.push(...asArray(o[member] ?? [], member).map(read));
      const next = o['next-page-token'];
      pageToken = typeof next === 'string' && next !== '' ? next : undefined;
    } while (pageToken !== undefined);
    return out;
  }

  /** Sends a request and returns the body of a 2xx answer; anything else becomes a typed error. */
  private async call(
    kind: CallKind,
    context: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<string> {
    const response = await this.send(context, method, path, body, kind);
    if (response.status >= 200 && response.status < 300) return response.text;
    throw errorFor(kind, context, response);
  }

  private async send(
    context: string,
    method: string,
    path: string,
    body?: unknown,
    kind?: CallKind,
  ): Promise<RestResponse> {
    const text = body === undefined ? undefined : stringifyJson(body);
    try {
      if (this.tokens === undefined) return await restRequest(this.http, method, path, text);
      const token = await this.tokens.token();
      const response = await restRequest({ ...this.http, token }, method, path, text);
      if (response.status !== 401) return response;
      // The server refused the token (revoked, or expired early): one more try with a fresh one.
      await this.tokens.invalidate(token);
      return await restRequest({ ...this.http, token: await this.tokens.token() }, method, path, text);
    } catch (error) {
      if (error instanceof RestTransportError && kind === 'commit' && error.delivered) {
        throw new CommitStateUnknownError(
          `${context}: outcome unknown, ${error.message}`,
          undefined,
          undefined,
          {
            cause: error,
          },
        );
      }
      // A refused token request keeps its HTTP status.
      const status = error instanceof CatalogError ? error.status : undefined;
      throw new CatalogError(
        `${context}: ${error instanceof Error ? error.message : String(error)}`,
        status,
        undefined,
        {
          cause: error,
        },
      );
    }
  }
}

function errorFor(kind: CallKind, context: string, response: RestResponse): CatalogError {
  const { status } = response;
  const { message, type } = parseErrorBody(response.text);
  const text = `${context}: ${message} (HTTP ${status}${type ? ` ${type}` : ''})`;
  const make = (ErrorClass: typeof CatalogError) => new ErrorClass(text, status, type);
  if (kind === 'commit') {
    if (status === 409) return make(CommitFailedError);
    // The server may have written the new metadata before failing: the spec calls these unknown.
    if (status === 500 || status === 502 || status === 503 || status === 504)
      return make(CommitStateUnknownError);
  }
  if (status === 404) {
    if (kind !== 'table' && kind !== 'commit') return make(NoSuchNamespaceError);
    return make(type === 'NoSuchNamespaceException' ? NoSuchNamespaceError : NoSuchTableError);
  }
  if (status === 409) {
    return make(
      kind === 'drop-namespace' || type === 'NamespaceNotEmptyException'
        ? NamespaceNotEmptyError
        : AlreadyExistsError,
    );
  }
  return make(CatalogError);
}

function loadResult(identifier: TableIdentifier, text: string): LoadedTable {
  const o = asObject(parseJson(text, LONG_KEYS), 'load table result');
  const location = o['metadata-location'];
  return {
    identifier,
    metadataLocation: typeof location === 'string' ? location : undefined,
    metadata: tableMetadataFromJson(o.metadata),
    config: o.config === undefined ? {} : asStringMap(o.config, 'table config'),
    storageCredentials: asArray(o['storage-credentials'] ?? [], 'storage-credentials').map((c) => {
      const credential = asObject(c, 'storage credential');
      return {
        prefix: asString(credential.prefix, 'storage credential prefix'),
        config: asStringMap(credential.config, 'storage credential config'),
      };
    }),
  };
}
