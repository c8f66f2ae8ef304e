import { type IcebergType, type NestedField, type Row, type StructType, T, Utf8Bytes } from '@floe/iceberg';
import { isJsonObject } from '@floe/iceberg/json';
import type { PipelineSpec } from '@floe/protocol';
import { RecordRejectedError } from '../decode/decoded';
import {
  asciiText,
  plainStringEnd,
  readNumber,
  type ScannedNumber,
  skipWhitespace,
  spells,
  utf8Text,
} from '../decode/json-bytes';
import { inferValue, parseJsonRecord, sameType, withoutUntyped } from '../decode/json-infer';
import { fitField, type SchemaPolicy } from '../fit/fit-record';
import type { KafkaRecord } from '../mapping/kafka-record';
import { KAFKA_COLUMN, type RecordMapper } from '../mapping/map-record';
import { type TimestampFormat, toTimestampMicros } from '../mapping/timestamps';

/** Column types whose record value goes in unchanged when the record's type is the same. */
const AS_IS = new Set(['boolean', 'string', 'long', 'double', 'timestamptz']);
// Read once: under tsx every use of an imported binding is a getter call, several per member.
const STRING = T.string;
const BOOLEAN = T.boolean;
const TIMESTAMPTZ = T.timestamptz;

/**
 * A schemaless JSON record straight to the table's column values, without a row object, the record's
 * own struct type, a mapped copy or a fitted copy: each member is typed and fitted to its column on its own (inferValue,
 * fitField: the same rules, so the same values). It covers the usual record; for anything else — a
 * record that is rejected or needs a schema change, a name that collides, a prototype member name —
 * it returns undefined and the caller reads the record the reference way (decode, map, fit), which
 * gives the reason. So it never decides a rejection itself.
 */
export class JsonRowReader {
  private readonly columns = new Map<string, number>();
  private readonly fields: readonly NestedField[];
  private readonly kafka: number;
  /** Whether `_kafka` has the mapper's type exactly: then its value goes in as the mapper makes it. */
  private readonly kafkaAsIs: boolean;
  private readonly select: Set<string> | undefined;
  private readonly timestamps = new Map<string, TimestampFormat>();
  private readonly plans = new Map<string, MemberPlan>();
  /** Per column, the record it was last set by (a second member for one column is left to the reference path). */
  private readonly setBy: Int32Array;
  private stamp = 0;
  private readonly values: unknown[];
  /** Per column, its string's bytes where they lie in the record (the column builder copies them). */
  private readonly texts: Utf8Bytes[];
  /** Per member position, the name bytes and plan the last record had there (see `planAt`). */
  private readonly planNames: Uint8Array[] = [];
  private readonly planAtIndex: MemberPlan[] = [];
  private readonly ascii = { is: true };
  private readonly number: ScannedNumber = { kind: 'other', value: 0, end: 0 };
  /** Whether the table's columns allow this path at all. */
  readonly usable: boolean;

  constructor(
    table: StructType,
    private readonly mapping: PipelineSpec['mapping'],
    private readonly policy: SchemaPolicy,
    private readonly mapper: RecordMapper,
  ) {
    this.fields = table.fields;
    table.fields.forEach((f, i) => {
      this.columns.set(f.name, i);
    });
    this.kafka = mapping.kafkaMetadata ? (this.columns.get(KAFKA_COLUMN) ?? -1) : -1;
    this.kafkaAsIs =
      this.kafka >= 0 && sameType((table.fields[this.kafka] as NestedField).type, mapper.kafkaType);
    this.select = mapping.select === undefined ? undefined : new Set(mapping.select);
    for (const { field, format } of mapping.timestamps) this.timestamps.set(field, format);
    this.setBy = new Int32Array(table.fields.length);
    this.values = new Array(table.fields.length);
    this.texts = table.fields.map(() => new Utf8Bytes());
    this.usable =
      !table.fields.some((f) => f.name in PROTOTYPE) &&
      this.timestamps.size === mapping.timestamps.length &&
      // Without the column, `_kafka` asks for a schema change or is rejected, except under ignore-new-fields.
      (!mapping.kafkaMetadata || this.kafka >= 0 || policy === 'ignore-new-fields');
  }

  /**
   * The record's value of each column (in the table's order; the array is reused by the next read), or
   * undefined: read it the reference way. Its value must not be null (a tombstone). A plain string
   * is a Utf8Bytes over the record's bytes, valid until the next read.
   */
  read(record: KafkaRecord): readonly unknown[] | undefined {
    try {
      const value = record.value as Buffer;
      return this.scan(value, 0, value.length, record) ?? this.row(record);
    } catch (error) {
      if (error instanceof RecordRejectedError) return undefined;
      throw error;
    }
  }

  /**
   * The short path alone, on a value lying at [start, end) of `bytes` (a record of fetched batches
   * read in place); `record` gives the `_kafka` metadata, its value is not read. Undefined: read the
   * record with `read`.
   */
  readAt(bytes: Buffer, start: number, end: number, record: KafkaRecord): readonly unknown[] | undefined {
    try {
      return this.scan(bytes, start, end, record);
    } catch (error) {
      if (error instanceof RecordRejectedError) return undefined;
      throw error;
    }
  }

  private plan(name: string): MemberPlan {
    let plan = this.plans.get(name);
    if (plan !== undefined) return plan;
    const selected = this.select === undefined || this.select.has(name);
    const to = this.mapping.rename[name] ?? name;
    plan = {
      bail:
        name in PROTOTYPE ||
        (selected && (to in PROTOTYPE || (this.mapping.kafkaMetadata && to === KAFKA_COLUMN))),
      selected,
      column: this.columns.get(to) ?? -1,
      format: this.timestamps.get(name),
    };
    if (this.plans.size < MAX_PLANS) this.plans.set(name, plan);
    return plan;
  }

  private row(record: KafkaRecord): readonly unknown[] | undefined {
    const json = parseJsonRecord(record.value as Buffer);
    if (!isJsonObject(json)) return undefined;
    // Made even without a `_kafka` column: a key the key format cannot read rejects the record.
    const kafka = this.mapping.kafkaMetadata ? this.mapper.kafkaRow(record) : undefined;
    this.stamp += 1;
    const { values, setBy, stamp, fields } = this;
    for (const [name, member] of json) {
      const plan = this.plan(name);
      if (plan.bail) return undefined;
      let type: IcebergType | undefined;
      let value: unknown;
      if (typeof member === 'string' || typeof member === 'boolean') {
        type = typeof member === 'string' ? STRING : BOOLEAN;
        value = member;
      } else {
        // Typed even when not selected: a value no type holds (a 40-digit integer) rejects the record.
        const typed = inferValue(member, name);
        type = typed === undefined ? undefined : withoutUntyped(typed.type);
        value = typed === undefined ? null : typed.value;
      }
      if (!plan.selected) continue;
      if (plan.format !== undefined && type !== undefined) {
        value = toTimestampMicros(value, type, plan.format, name);
        type = TIMESTAMPTZ;
      }
      const column = plan.column;
      if (column < 0) {
        // A member with no type is no new field; one with a type is, except under ignore-new-fields.
        if (type === undefined || this.policy === 'ignore-new-fields') continue;
        return undefined;
      }
      if (setBy[column] === stamp) return undefined;
      setBy[column] = stamp;
      const field = fields[column] as NestedField;
      // AS_IS names primitive types only: a type of one of those names is that primitive type.
      if (type !== undefined && type.type === field.type.type && AS_IS.has(type.type)) {
        values[column] = value;
        continue;
      }
      const fitted = fitField(field, type, value, this.policy);
      if (fitted === undefined) return undefined;
      values[column] = fitted.value;
    }
    return this.rest(kafka);
  }

  /**
   * The short path: a flat object of members named in plain ASCII, each a column's own type in its
   * plainest form (a plain string for a string column, an integer literal of at most 15 digits for a
   * long, a plain fraction for a double, true or false for a boolean, or null) read from the bytes as
   * they lie (json-bytes.ts) to the value the full path gives. Anything else — nesting, escapes, an
   * exponent, a member with no column or a timestamp format, a value of another type — is undefined:
   * read by the full path (`row`), from the start.
   */
  private scan(
    bytes: Buffer,
    start: number,
    end: number,
    record: KafkaRecord,
  ): readonly unknown[] | undefined {
    let p = skipWhitespace(bytes, start, end);
    if (p === end || bytes[p] !== 0x7b) return undefined;
    p = skipWhitespace(bytes, p + 1, end);
    if (p === end) return undefined;
    this.stamp += 1;
    const { values, setBy, stamp, fields, ascii, number } = this;
    let member = 0;
    if (bytes[p] === 0x7d) p += 1;
    else {
      for (; ; member += 1) {
        if (bytes[p] !== 0x22) return undefined;
        let nameEnd = this.knownNameEnd(member, bytes, p + 1, end);
        let plan = this.planAtIndex[member] as MemberPlan;
        if (nameEnd < 0) {
          nameEnd = plainStringEnd(bytes, p, end, ascii);
          if (nameEnd < 0) return undefined;
          plan = this.planAt(member, bytes, p + 1, nameEnd, ascii.is);
        }
        if (plan.bail || !plan.selected || plan.column < 0 || plan.format !== undefined) return undefined;
        p = skipWhitespace(bytes, nameEnd + 1, end);
        if (p === end || bytes[p] !== 0x3a) return undefined;
        p = skipWhitespace(bytes, p + 1, end);
        if (p === end) return undefined;
        const column = plan.column;
        if (setBy[column] === stamp) return undefined;
        setBy[column] = stamp;
        const field = fields[column] as NestedField;
        const type = field.type.type;
        const c = bytes[p];
        if (c === 0x22) {
          const close = plainStringEnd(bytes, p, end, ascii);
          if (close < 0 || type !== 'string') return undefined;
          const text = this.texts[column] as Utf8Bytes;
          text.bytes = bytes;
          text.start = p + 1;
          text.end = close;
          values[column] = text;
          p = close + 1;
        } else if (c === 0x74 || c === 0x66) {
          const word = c === 0x74 ? 'true' : 'false';
          if (type !== 'boolean' || !spells(bytes, p, end, word)) return undefined;
          values[column] = c === 0x74;
          p += word.length;
        } else if (c === 0x6e) {
          if (field.required || !spells(bytes, p, end, 'null')) return undefined;
          values[column] = null;
          p += 4;
        } else {
          readNumber(bytes, p, end, number);
          if (number.kind === 'integer' && type === 'long') values[column] = BigInt(number.value);
          else if (number.kind === 'fraction' && type === 'double') values[column] = number.value;
          else return undefined;
          p = number.end;
        }
        p = skipWhitespace(bytes, p, end);
        if (p === end) return undefined;
        if (bytes[p] === 0x7d) {
          p += 1;
          break;
        }
        if (bytes[p] !== 0x2c) return undefined;
        p = skipWhitespace(bytes, p + 1, end);
        if (p === end) return undefined;
      }
    }
    if (skipWhitespace(bytes, p, end) !== end) return undefined;
    return this.rest(this.mapping.kafkaMetadata ? this.mapper.kafkaRow(record) : undefined);
  }

  /**
   * Where the name at `start` ends (its closing quote) when it is spelled as the last record's member
   * at position `index` was, else -1. That name was read as plain, so the same bytes are too.
   */
  private knownNameEnd(index: number, bytes: Buffer, start: number, end: number): number {
    const known = this.planNames[index];
    if (known === undefined) return -1;
    const close = start + known.length;
    if (close >= end || bytes[close] !== 0x22) return -1;
    for (let k = 0; k < known.length; k += 1) if (bytes[start + k] !== known[k]) return -1;
    return close;
  }

  /** The plan of the member at position `index` named by bytes [start, end): the last record's there when spelled alike. */
  private planAt(index: number, bytes: Buffer, start: number, end: number, ascii: boolean): MemberPlan {
    const known = this.planNames[index];
    if (known !== undefined && known.length === end - start) {
      let k = 0;
      while (k < known.length && known[k] === bytes[start + k]) k += 1;
      if (k === known.length) return this.planAtIndex[index] as MemberPlan;
    }
    const plan = this.plan(ascii ? asciiText(bytes, start, end) : utf8Text(bytes, start, end));
    if (index < MAX_PLANS) {
      this.planNames[index] = bytes.subarray(start, end).slice();
      this.planAtIndex[index] = plan;
    }
    return plan;
  }

  /** The columns no member set: `_kafka`, or null (undefined for a required one: the full path says why). */
  private rest(kafka: Row | undefined): readonly unknown[] | undefined {
    const { values, setBy, stamp, fields } = this;
    for (let column = 0; column < fields.length; column += 1) {
      const field = fields[column] as NestedField;
      if (setBy[column] !== stamp) {
        if (column === this.kafka && this.kafkaAsIs) {
          values[column] = kafka;
        } else if (column === this.kafka) {
          const fitted = fitField(field, this.mapper.kafkaType, kafka, this.policy);
          if (fitted === undefined) return undefined;
          values[column] = fitted.value;
        } else if (field.required) {
          return undefined;
        } else {
          values[column] = null;
        }
      }
    }
    return values;
  }
}

/** What a record member of one name becomes. */
interface MemberPlan {
  /** Left to the reference path: a name a plain object already has, or one renamed onto `_kafka`. */
  bail: boolean;
  selected: boolean;
  /** Its column's index, -1 for none. */
  column: number;
  format: TimestampFormat | undefined;
}

/** Member names whose plans are kept (records of a topic mostly have the same few). */
const MAX_PLANS = 4096;

/** Names a plain object already answers to ("constructor", "__proto__", ...): left to the reference path. */
const PROTOTYPE = Object.prototype;
