import { RecordRejectedError } from './decoded';

/**
 * A client of the Confluent schema registry API (Confluent, Apicurio's /apis/ccompat/v7, Karapace,
 * Redpanda). Schemas are fetched by the id a record's header names, with everything they reference,
 * and kept: the schema of an id never changes.
 */

export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';

export interface SchemaReference {
  /** How the referencing schema names it: an Avro full name, a .proto import path, a JSON Schema $ref. */
  name: string;
  subject: string;
  version: number;
}

export interface ReferencedSchema {
  name: string;
  schemaType: SchemaType;
  schema: string;
}

export interface RegisteredSchema {
  id: number;
  schemaType: SchemaType;
  schema: string;
  /** Every schema it references, directly or through another, each once; a schema comes after those it references. */
  references: ReferencedSchema[];
}

export interface SchemaRegistryOptions {
  /** The API root, e.g. https://registry.example.com or http://127.0.0.1:18081/apis/ccompat/v7. */
  url: string;
  username?: string;
  /** The password itself, already resolved from its secret reference. */
  password?: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

export interface SchemaToRegister {
  schema: string;
  schemaType?: SchemaType;
  references?: SchemaReference[];
}

/** A failed registry request: an outage or a misconfiguration (retried by the caller), unless a caller knows better. */
export class SchemaRegistryError extends Error {
  override name = 'SchemaRegistryError';
  constructor(
    message: string,
    readonly status?: number,
    readonly errorCode?: number,
  ) {
    super(message);
  }
}

const SCHEMA_NOT_FOUND = 40403;
const SCHEMA_TYPES: ReadonlySet<string> = new Set<SchemaType>(['AVRO', 'PROTOBUF', 'JSON']);

interface SchemaBody {
  schema: string;
  schemaType: SchemaType;
  references: SchemaReference[];
}

export class SchemaRegistry {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly byId = new Map<number, Promise<RegisteredSchema>>();

  constructor(options: SchemaRegistryOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.headers = { Accept: 'application/vnd.schemaregistry.v1+json, application/json' };
    if (options.username !== undefined) {
      const credentials = Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64');
      this.headers.Authorization = `Basic ${credentials}`;
    }
  }

  /** The schema with this id; an id the registry does not know rejects the record ('unknown-schema-id'). */
  schemaById(id: number): Promise<RegisteredSchema> {
    let schema = this.byId.get(id);
    if (schema === undefined) {
      schema = this.fetchById(id);
      this.byId.set(id, schema);
      // Only a schema is kept: an outage or an id not (yet) there is asked again next time.
      schema.catch(() => this.byId.delete(id));
    }
    return schema;
  }

  /** Registers a schema under a subject (or finds it there) and gives its id. */
  async register(subject: string, schema: SchemaToRegister): Promise<number> {
    const body = await this.request(`/subjects/${encodeURIComponent(subject)}/versions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schemaType: 'AVRO', ...schema }),
    });
    const id = (body as { id?: unknown }).id;
    if (typeof id !== 'number') throw new SchemaRegistryError(`${this.base}: registering gave no schema id`);
    return id;
  }

  private async fetchById(id: number): Promise<RegisteredSchema> {
    let body: SchemaBody;
    try {
      body = schemaBody(await this.request(`/schemas/ids/${id}`), `schema ${id}`);
    } catch (error) {
      if (error instanceof SchemaRegistryError && error.errorCode === SCHEMA_NOT_FOUND) {
        throw new RecordRejectedError(
          'unknown-schema-id',
          `schema id ${id} is not in the registry at ${this.base}`,
        );
      }
      throw error;
    }
    const references: ReferencedSchema[] = [];
    await this.collectReferences(id, body.references, references, new Set());
    return { id, schemaType: body.schemaType, schema: body.schema, references };
  }

  /** Depth first, so that each schema is listed after the schemas it references. */
  private async collectReferences(
    id: number,
    refs: readonly SchemaReference[],
    out: ReferencedSchema[],
    seen: Set<string>,
  ): Promise<void> {
    for (const ref of refs) {
      if (seen.has(ref.name)) continue;
      seen.add(ref.name);
      const body = await this.referenced(id, ref);
      await this.collectReferences(id, body.references, out, seen);
      out.push({ name: ref.name, schemaType: body.schemaType, schema: body.schema });
    }
  }

  private async referenced(id: number, ref: SchemaReference): Promise<SchemaBody> {
    const path = `/subjects/${encodeURIComponent(ref.subject)}/versions/${encodeURIComponent(ref.version)}`;
    try {
      return schemaBody(await this.request(path), `reference ${ref.name}`);
    } catch (error) {
      // A reference that is gone makes the schema unreadable, as an unknown id does.
      if (error instanceof SchemaRegistryError && error.status === 404 && error.errorCode !== undefined) {
        throw new RecordRejectedError(
          'unknown-schema-id',
          `schema id ${id} references ${ref.name} (subject ${ref.subject} version ${ref.version}), which the registry at ${this.base} does not have`,
        );
      }
      throw error;
    }
  }

  private async request(path: string, init: RequestInit = {}): Promise<unknown> {
    const url = `${this.base}${path}`;
    const what = `schema registry ${init.method ?? 'GET'} ${url}`;
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        headers: { ...this.headers, ...(init.headers as Record<string, string>) },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause =
        error instanceof Error && error.name === 'TimeoutError' ? `no answer in ${this.timeoutMs} ms` : error;
      throw new SchemaRegistryError(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const { error_code: errorCode, message } = (body ?? {}) as { error_code?: unknown; message?: unknown };
      throw new SchemaRegistryError(
        `${what}: HTTP ${response.status}${typeof message === 'string' ? ` ${message}` : ''}`,
        response.status,
        typeof errorCode === 'number' ? errorCode : undefined,
      );
    }
    if (body === undefined) throw new SchemaRegistryError(`${what}: the answer is not JSON`);
    return body;
  }
}

function schemaBody(body: unknown, what: string): SchemaBody {
  const { schema, schemaType = 'AVRO', references = [] } = (body ?? {}) as Record<string, unknown>;
  if (typeof schema !== 'string')
    throw new SchemaRegistryError(`${what}: the registry's answer has no schema text`);
  if (typeof schemaType !== 'string' || !SCHEMA_TYPES.has(schemaType)) {
    throw new SchemaRegistryError(`${what}: unknown schema type ${String(schemaType)}`);
  }
  if (!Array.isArray(references) || !references.every(isReference)) {
    throw new SchemaRegistryError(`${what}: the registry's references are not {name, subject, version}`);
  }
  return { schema, schemaType: schemaType as SchemaType, references };
}

function isReference(ref: unknown): ref is SchemaReference {
  const { name, subject, version } = (ref ?? {}) as Record<string, unknown>;
  return typeof name === 'string' && typeof subject === 'string' && typeof version === 'number';
}
