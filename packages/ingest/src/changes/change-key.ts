import { type NestedField, parseJson, type Row, type Schema } from '@floe/iceberg';
import { RecordRejectedError } from '../decode/decoded';

/** Key column types whose values compare exactly as text (no float keys: 0.1 + 0.2 is not a key). */
const KEY_TYPES = new Set(['int', 'long', 'string']);

/**
 * The key of an upsert or CDC table: named top-level columns (the table's identifier fields), made
 * into one string per key the same way from a record's value, a Kafka key and a row read back from a
 * data file, so that the three compare equal exactly when the key values are equal.
 */
export class KeyColumns {
  readonly fields: readonly NestedField[];

  constructor(
    schema: Schema,
    readonly names: readonly string[],
    table: string,
  ) {
    this.fields = names.map((name) => {
      const field = schema.fields.find((f) => f.name === name);
      if (field === undefined)
        throw new Error(`${table}: the key field ${name} is not a column of the table`);
      if (!KEY_TYPES.has(field.type.type)) {
        throw new Error(
          `${table}: the key field ${name} is a ${field.type.type}; a key field is an int, long or string`,
        );
      }
      return field;
    });
  }

  /** The key schema: the key columns alone, to read them from data files. */
  schema(): Schema {
    return { schemaId: 0, fields: [...this.fields], identifierFieldIds: [] };
  }

  /** The key of a record's (mapped) value; a missing or null key field rejects the record. */
  ofValue(row: Row, what = 'the value'): string {
    return this.fields.map((f) => this.part(f, row[f.name], what)).join(',');
  }

  /** The key columns' values of a key made by this class (an int as a number, a long as a bigint). */
  valuesOf(key: string): Row {
    const parts = key.match(/"(?:[^"\\]|\\.)*"|-?\d+/g) ?? [];
    if (parts.length !== this.fields.length)
      throw new Error(`${key} is not a key of ${this.names.join(', ')}`);
    const row: Row = {};
    this.fields.forEach((f, i) => {
      const part = parts[i] as string;
      row[f.name] =
        f.type.type === 'string' ? JSON.parse(part) : f.type.type === 'int' ? Number(part) : BigInt(part);
    });
    return row;
  }

  /**
   * The key of a tombstone, from its Kafka key: a JSON object with the key fields (as Debezium and
   * Kafka Connect write keys), or, for a one-field key, the key's text itself.
   */
  ofKafkaKey(key: Buffer | null): string {
    if (key === null)
      throw new RecordRejectedError('missing-key', 'a tombstone without a Kafka key deletes no key');
    const text = key.toString('utf8');
    let parsed: unknown;
    try {
      parsed = parseJson(text, new Set(this.names));
    } catch {
      parsed = undefined;
    }
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const row = parsed as Record<string, unknown>;
      // Kafka Connect's JSON converter wraps the key as { schema, payload }.
      const fields = 'payload' in row && !this.names.includes('payload') ? row.payload : row;
      if (fields !== null && typeof fields === 'object') return this.ofValue(fields as Row, 'the Kafka key');
    }
    if (this.fields.length !== 1) {
      throw new RecordRejectedError(
        'missing-key',
        `the Kafka key is not a JSON object with the key fields ${this.names.join(', ')}`,
      );
    }
    // A JSON string key is its text; anything else (a number, plain text) is read as written.
    return this.part(
      this.fields[0] as NestedField,
      typeof parsed === 'string' ? parsed : text,
      'the Kafka key',
    );
  }

  private part(field: NestedField, value: unknown, what: string): string {
    if (value === null || value === undefined) {
      throw new RecordRejectedError('missing-key', `${what} has no value for the key field ${field.name}`);
    }
    if (field.type.type === 'string') {
      if (typeof value !== 'string') {
        throw new RecordRejectedError('missing-key', `${what}: key field ${field.name} is not a string`);
      }
      return JSON.stringify(value);
    }
    const whole =
      typeof value === 'bigint'
        ? value
        : typeof value === 'number' && Number.isSafeInteger(value)
          ? BigInt(value)
          : typeof value === 'string' && /^-?\d+$/.test(value)
            ? BigInt(value)
            : undefined;
    if (whole === undefined) {
      throw new RecordRejectedError(
        'missing-key',
        `${what}: key field ${field.name} is not a whole number (${field.type.type} key)`,
      );
    }
    return whole.toString();
  }
}
