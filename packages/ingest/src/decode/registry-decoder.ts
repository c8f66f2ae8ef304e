import type { Row, StructType } from '@floe/iceberg';
import { RecordRejectedError, type TypedValue, type ValueDecoder } from './decoded';
import type { RegisteredSchema, SchemaRegistry, SchemaType } from './registry';
import { readWireHeader } from './wire-format';

/** Reads the payloads written with one registry schema. */
export type PayloadReader = (payload: Buffer) => { type: StructType; row: Row };

/** What a serialization format brings: the registry schema type it reads, and how it compiles one schema. */
export interface SchemaFormat {
  readonly schemaType: SchemaType;
  /** Throws RecordRejectedError when the schema has no Iceberg form (then no record of it has one). */
  compile(schema: RegisteredSchema): PayloadReader;
}

/**
 * Decodes values in the Confluent wire format: the header's schema id names the writer's schema, which
 * is fetched and compiled once per id.
 */
export class RegistryValueDecoder implements ValueDecoder {
  private readonly readers = new Map<number, Promise<PayloadReader>>();

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly format: SchemaFormat,
  ) {}

  async decode(value: Buffer): Promise<TypedValue> {
    const { schemaId, payload } = readWireHeader(value);
    const read = await this.reader(schemaId);
    return { ...read(payload), schemaId };
  }

  private reader(id: number): Promise<PayloadReader> {
    let reader = this.readers.get(id);
    if (reader === undefined) {
      reader = this.registry.schemaById(id).then((schema) => this.compile(schema));
      this.readers.set(id, reader);
      reader.catch(() => this.readers.delete(id));
    }
    return reader;
  }

  private compile(schema: RegisteredSchema): PayloadReader {
    if (schema.schemaType !== this.format.schemaType) {
      throw new RecordRejectedError(
        'undecodable',
        `schema ${schema.id} is a ${schema.schemaType} schema, and this pipeline reads ${this.format.schemaType} values`,
      );
    }
    return this.format.compile(schema);
  }
}
