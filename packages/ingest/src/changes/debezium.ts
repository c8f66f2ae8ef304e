import type { Row, StructType } from '@floe/iceberg';
import {
  RecordRejectedError,
  type TypedValue,
  type ValueDecoder,
  withSequentialIds,
} from '../decode/decoded';
import type { RawRecord } from '../engine/engine';
import type { RecordReader } from '../engine/read-record';
import type { RecordMapper } from '../mapping/map-record';

/** A Debezium change event, its images kept as the exact bytes they had in the record. */
export interface ChangeEvent {
  /** c create, r snapshot read, u update, d delete. */
  op: 'c' | 'r' | 'u' | 'd';
  /** The row before the change (null or absent: none). */
  before: Buffer | null;
  /** The row after the change (null for a delete). */
  after: Buffer | null;
}

const OPS = new Set(['c', 'r', 'u', 'd']);

/** A change event as the change set takes it: its op, the before image as a row (for its key), and the after row's record. */
export interface ChangeImages {
  op: ChangeEvent['op'];
  /** The before image mapped to the pipeline's columns; null when there is none or it cannot be read. */
  before: Row | null;
  /** The record whose value the record reader and the engine read as the after image (null for a delete). */
  after: RawRecord | null;
}

/** Reads Debezium events in one value format. */
export interface ChangeReader {
  /** The record read as the event's after row, if the value can carry one (an unreadable event is rejected there). */
  rowOf(record: RawRecord): RawRecord | null;
  /** Reads a record that has a value as a change event; throws RecordRejectedError for a bad one. */
  read(topic: string, partition: number, record: RawRecord): Promise<ChangeImages>;
}

/** Debezium events in schemaless JSON: the images are sliced from the text and read by `read` as JSON rows. */
export function jsonChangeReader(read: RecordReader): ChangeReader {
  return {
    rowOf(record) {
      if (record.value === null) return null;
      try {
        const event = readChangeEvent(record.value);
        return event.after === null ? null : { ...record, value: event.after };
      } catch (error) {
        if (error instanceof RecordRejectedError) return null;
        throw error;
      }
    },
    async read(topic, partition, record) {
      const event = readChangeEvent(record.value as Buffer);
      const before =
        event.before === null
          ? null
          : await read({ topic, partition, ...record, value: event.before }).then(
              (value) => value.row,
              () => null,
            );
      return { op: event.op, before, after: event.after === null ? null : { ...record, value: event.after } };
    },
  };
}

/**
 * Debezium events through the schema registry (Avro, JSON Schema): `envelope` decodes the whole event,
 * whose `before` and `after` are records (nullable). The record stays as Kafka wrote it: the engine
 * reads its after image through `afterImageDecoder`, so the values are the format decoder's own.
 */
export function envelopeChangeReader(envelope: ValueDecoder, mapper: RecordMapper): ChangeReader {
  return {
    rowOf: (record) => (record.value === null ? null : record),
    async read(topic, partition, record) {
      const event = await envelope.decode(record.value as Buffer);
      const op = changeOp(event);
      let before: Row | null = null;
      const image = imageOf(event, 'before');
      if (image !== null) {
        try {
          before = mapper.map({ topic, partition, ...record }, image).row;
        } catch {
          before = null;
        }
      }
      const after = imageOf(event, 'after');
      if (op !== 'd' && after === null) {
        throw new RecordRejectedError('bad-change', `a change of op ${op} has no after image`);
      }
      return { op, before, after: after === null ? null : record };
    },
  };
}

/** Decodes a Debezium event through `envelope` and returns its after image: the row a CDC table takes. */
export function afterImageDecoder(envelope: ValueDecoder): ValueDecoder {
  return {
    async decode(value) {
      const event = await envelope.decode(value);
      const op = changeOp(event);
      const after = imageOf(event, 'after');
      if (after === null)
        throw new RecordRejectedError('bad-change', `a change of op ${op} has no after image`);
      return after;
    },
  };
}

function changeOp(event: TypedValue): ChangeEvent['op'] {
  const op = event.row.op;
  if (typeof op !== 'string' || !OPS.has(op)) {
    throw new RecordRejectedError(
      'bad-change',
      `not a Debezium change event: op is ${op === undefined ? 'missing' : JSON.stringify(op)}, not one of c, r, u, d`,
    );
  }
  return op as ChangeEvent['op'];
}

/** The image `name` of a decoded event as a value of its own record type; null when absent or null. */
function imageOf(event: TypedValue, name: 'before' | 'after'): TypedValue | null {
  const field = event.type.fields.find((f) => f.name === name);
  const row = event.row[name];
  if (field === undefined || row === null || row === undefined) return null;
  if (field.type.type !== 'struct')
    throw new RecordRejectedError('bad-change', `${name} is not a record or null`);
  return {
    type: withSequentialIds(field.type as StructType),
    row: row as Row,
    ...(event.schemaId !== undefined && { schemaId: event.schemaId }),
  };
}

/**
 * Reads a Debezium envelope in JSON (bare, or wrapped as `{ schema, payload }` by Kafka Connect's JSON
 * converter). The images are sliced from the record's text, never parsed and written again, so their
 * values reach the table exactly as produced.
 */
export function readChangeEvent(value: Buffer): ChangeEvent {
  const text = value.toString('utf8');
  let members = topLevelMembers(text, 0);
  const payload = members.get('payload');
  if (payload !== undefined && !members.has('op')) members = topLevelMembers(text, payload[0]);
  const opSpan = members.get('op');
  const op = opSpan === undefined ? undefined : (JSON.parse(text.slice(...opSpan)) as unknown);
  if (typeof op !== 'string' || !OPS.has(op)) {
    throw new RecordRejectedError(
      'bad-change',
      `not a Debezium change event: op is ${opSpan === undefined ? 'missing' : text.slice(...opSpan)}, not one of c, r, u, d`,
    );
  }
  const image = (name: string): Buffer | null => {
    const span = members.get(name);
    if (span === undefined) return null;
    const raw = text.slice(...span);
    if (raw === 'null') return null;
    if (!raw.startsWith('{')) throw new RecordRejectedError('bad-change', `${name} is not an object or null`);
    return Buffer.from(raw, 'utf8');
  };
  const event: ChangeEvent = { op: op as ChangeEvent['op'], before: image('before'), after: image('after') };
  if (event.op !== 'd' && event.after === null) {
    throw new RecordRejectedError('bad-change', `a change of op ${event.op} has no after image`);
  }
  return event;
}

/** The members of the JSON object starting at `from` (after whitespace): name → [start, end) of its value. */
function topLevelMembers(text: string, from: number): Map<string, [number, number]> {
  const fail = (what: string): never => {
    throw new RecordRejectedError('invalid-json', `invalid JSON at offset ${pos}: ${what}`);
  };
  let pos = skipSpace(text, from);
  if (text[pos] !== '{') fail('expected an object');
  pos += 1;
  const members = new Map<string, [number, number]>();
  pos = skipSpace(text, pos);
  if (text[pos] === '}') return members;
  for (;;) {
    pos = skipSpace(text, pos);
    if (text[pos] !== '"') fail('expected a member name');
    const nameEnd = stringEnd(text, pos) ?? fail('unterminated string');
    const name = JSON.parse(text.slice(pos, nameEnd)) as string;
    pos = skipSpace(text, nameEnd);
    if (text[pos] !== ':') fail('expected ":"');
    const start = skipSpace(text, pos + 1);
    const end = valueEnd(text, start) ?? fail('unterminated value');
    members.set(name, [start, end]);
    pos = skipSpace(text, end);
    if (text[pos] === ',') {
      pos += 1;
      continue;
    }
    if (text[pos] === '}') return members;
    fail('expected "," or "}"');
  }
}

function skipSpace(text: string, pos: number): number {
  let at = pos;
  while (
    at < text.length &&
    (text[at] === ' ' || text[at] === '\n' || text[at] === '\r' || text[at] === '\t')
  )
    at += 1;
  return at;
}

/** The end (exclusive) of the string starting at `pos`. */
function stringEnd(text: string, pos: number): number | undefined {
  for (let at = pos + 1; at < text.length; at += 1) {
    if (text[at] === '\\') at += 1;
    else if (text[at] === '"') return at + 1;
  }
  return undefined;
}

/** The end (exclusive) of the JSON value starting at `pos`; nested values are skipped, not checked. */
function valueEnd(text: string, pos: number): number | undefined {
  const first = text[pos];
  if (first === '"') return stringEnd(text, pos);
  if (first !== '{' && first !== '[') {
    let at = pos;
    while (at < text.length && !',}] \n\r\t'.includes(text[at] as string)) at += 1;
    return at === pos ? undefined : at;
  }
  let depth = 0;
  for (let at = pos; at < text.length; at += 1) {
    const ch = text[at];
    if (ch === '"') {
      const end = stringEnd(text, at);
      if (end === undefined) return undefined;
      at = end - 1;
    } else if (ch === '{' || ch === '[') depth += 1;
    else if (ch === '}' || ch === ']') {
      depth -= 1;
      if (depth === 0) return at + 1;
    }
  }
  return undefined;
}
