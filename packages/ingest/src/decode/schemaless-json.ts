import { type IcebergType, type NestedField, optional, type Row, T } from '@floe/iceberg';
import { RecordRejectedError, type TypedValue, type ValueDecoder } from './decoded';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const MAX_EXACT = 1n << 53n;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON with no schema: each record's type is read off its values, losslessly. An integer literal is a
 * long (exact, as bigint: a 19-digit id keeps every digit), a literal with a fraction or exponent a
 * double, text a string, an object a struct, an array a list whose elements agree. A null member says
 * nothing about its type and is left out. Strings are never guessed to be timestamps: the pipeline's
 * mapping says which fields are.
 */
export class SchemalessJsonDecoder implements ValueDecoder {
  async decode(value: Buffer): Promise<TypedValue> {
    let text: string;
    try {
      text = utf8.decode(value);
    } catch {
      throw new RecordRejectedError('invalid-json', 'the value is not UTF-8 text');
    }
    const parsed = new Parser(text).document();
    if (parsed.kind !== 'object') {
      throw new RecordRejectedError('invalid-json', `the value is a JSON ${parsed.kind}, not an object`);
    }
    const { type, value: row } = typed(parsed, '') as { type: IcebergType; value: unknown };
    return { type: type as ReturnType<typeof T.struct>, row: row as Row };
  }
}

type Node =
  | { kind: 'object'; members: [string, Node][] }
  | { kind: 'array'; items: Node[] }
  | { kind: 'number'; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' };

function typed(node: Node, path: string): { type: IcebergType; value: unknown } | null {
  switch (node.kind) {
    case 'null':
      return null;
    case 'boolean':
      return { type: T.boolean, value: node.value };
    case 'string':
      return { type: T.string, value: node.value };
    case 'number':
      return number(node.text, path);
    case 'object': {
      const fields: NestedField[] = [];
      const row: Row = {};
      const seen = new Set<string>();
      for (const [name, member] of node.members) {
        if (seen.has(name))
          throw new RecordRejectedError('invalid-json', `${path}${name} appears twice in one object`);
        seen.add(name);
        const t = typed(member, `${path}${name}.`);
        row[name] = t?.value ?? null;
        if (t !== null) fields.push(optional(name, t.type));
      }
      return { type: T.struct(fields), value: row };
    }
    case 'array': {
      const items = node.items.map((item, i) => typed(item, `${path}[${i}].`));
      const present = items.filter((t) => t !== null);
      if (present.length === 0) return null;
      const element = listElement(present, path);
      return {
        type: T.list(element.type),
        value: items.map((t) => (t === null ? null : element.convert(t))),
      };
    }
  }
}

function number(text: string, path: string): { type: IcebergType; value: unknown } {
  if (/^-?\d+$/.test(text)) {
    const v = BigInt(text);
    if (v >= INT64_MIN && v <= INT64_MAX) return { type: T.long, value: v };
    if (text.replace('-', '').length <= 38) return { type: T.decimal(38, 0), value: v };
    throw new RecordRejectedError(
      'type-mismatch',
      `${path.slice(0, -1) || 'value'}: ${text.slice(0, 40)} has more than 38 digits`,
    );
  }
  const v = Number(text);
  if (!Number.isFinite(v)) {
    throw new RecordRejectedError(
      'type-mismatch',
      `${path.slice(0, -1) || 'value'}: ${text.slice(0, 40)} is beyond a double`,
    );
  }
  return { type: T.double, value: v };
}

/** The element type of a list: all elements of one kind; longs join doubles only when each is exact. */
function listElement(items: { type: IcebergType; value: unknown }[], path: string) {
  const kinds = new Set(items.map((t) => t.type.type));
  const first = items[0] as { type: IcebergType };
  if (kinds.size === 1 && first.type.type !== 'struct' && first.type.type !== 'list') {
    return { type: first.type, convert: (t: { value: unknown }) => t.value };
  }
  if ([...kinds].every((k) => k === 'long' || k === 'double')) {
    for (const t of items) {
      if (typeof t.value === 'bigint' && (t.value > MAX_EXACT || t.value < -MAX_EXACT)) {
        throw new RecordRejectedError(
          'type-mismatch',
          `${path.slice(0, -1)}: ${t.value} in a list of doubles is not exact`,
        );
      }
    }
    return { type: T.double, convert: (t: { value: unknown }) => Number(t.value) };
  }
  if (kinds.size === 1 && first.type.type === 'struct') {
    // Structs of one list may have different members: the element has them all (all optional).
    const merged = new Map<string, NestedField>();
    for (const t of items) {
      for (const f of (t.type as ReturnType<typeof T.struct>).fields) {
        const before = merged.get(f.name);
        if (before !== undefined && JSON.stringify(before.type) !== JSON.stringify(f.type)) {
          throw new RecordRejectedError(
            'type-mismatch',
            `${path.slice(0, -1)}: list elements disagree on ${f.name}`,
          );
        }
        merged.set(f.name, f);
      }
    }
    return { type: T.struct([...merged.values()]), convert: (t: { value: unknown }) => t.value };
  }
  throw new RecordRejectedError(
    'type-mismatch',
    `${path.slice(0, -1) || 'value'}: a list mixes ${[...kinds].join(' and ')}`,
  );
}

/** A JSON parser that keeps each number's source text (JSON.parse would round 19-digit integers). */
class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  document(): Node {
    const node = this.value();
    this.space();
    if (this.pos !== this.text.length) this.fail('text after the JSON value');
    return node;
  }

  private fail(what: string): never {
    throw new RecordRejectedError('invalid-json', `not valid JSON at character ${this.pos}: ${what}`);
  }

  private space(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos] as string)) this.pos += 1;
  }

  private value(): Node {
    this.space();
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return { kind: 'string', value: this.string() };
    for (const [word, node] of [
      ['true', { kind: 'boolean', value: true }],
      ['false', { kind: 'boolean', value: false }],
      ['null', { kind: 'null' }],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return node;
      }
    }
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.pos;
    const number = match.exec(this.text);
    if (number === null) this.fail(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`);
    this.pos += number[0].length;
    return { kind: 'number', text: number[0] };
  }

  private object(): Node {
    this.pos += 1;
    const members: [string, Node][] = [];
    this.space();
    if (this.text[this.pos] === '}') {
      this.pos += 1;
      return { kind: 'object', members };
    }
    for (;;) {
      this.space();
      if (this.text[this.pos] !== '"') this.fail('expected a member name');
      const name = this.string();
      this.space();
      if (this.text[this.pos] !== ':') this.fail('expected ":"');
      this.pos += 1;
      members.push([name, this.value()]);
      this.space();
      const c = this.text[this.pos++];
      if (c === '}') return { kind: 'object', members };
      if (c !== ',') this.fail('expected "," or "}"');
    }
  }

  private array(): Node {
    this.pos += 1;
    const items: Node[] = [];
    this.space();
    if (this.text[this.pos] === ']') {
      this.pos += 1;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.value());
      this.space();
      const c = this.text[this.pos++];
      if (c === ']') return { kind: 'array', items };
      if (c !== ',') this.fail('expected "," or "]"');
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos += 1;
    while (this.pos < this.text.length && this.text[this.pos] !== '"') {
      this.pos += this.text[this.pos] === '\\' ? 2 : 1;
    }
    if (this.pos >= this.text.length) this.fail('unterminated string');
    this.pos += 1;
    try {
      return JSON.parse(this.text.slice(start, this.pos)) as string;
    } catch {
      return this.fail('bad escape or control character in a string');
    }
  }
}
