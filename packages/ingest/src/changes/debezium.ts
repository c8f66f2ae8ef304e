import { RecordRejectedError } from '../decode/decoded';

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
