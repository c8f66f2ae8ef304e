/**
 * Floe's one JSON reader, for every JSON it reads: Kafka records, JSON Schemas, Iceberg table
 * metadata, REST catalog responses. It loses nothing: each number keeps its source text (a 19-digit
 * id stays exact, "1.5" stays a fraction, "-0" stays negative zero), objects keep their members in
 * order (a JavaScript object would move "1" before "b"), and whatever UTF-8 cannot hold (a lone
 * surrogate escape) or that has two readings (a repeated member name) is refused rather than guessed
 * (unless read leniently, as JSON.parse would).
 *
 * Two readings of it:
 * - `parseJsonText`: the lossless tree (JsonNumber, Map), for records and schemas;
 * - `parseJson`: plain values for Iceberg metadata, whose longs (snapshot ids are random 63-bit values)
 *   a JavaScript number cannot hold: integers under the named keys (and the elements of arrays under
 *   them) become bigints, other numbers the double JSON.parse gives; `stringifyJson` writes bigints
 *   back as bare digits.
 */

export class JsonNumber {
  constructor(readonly text: string) {}

  /** Written without a fraction or an exponent: "12", "-0", not "12.0" or "1e3". */
  get isIntegerLiteral(): boolean {
    const { text } = this;
    for (let i = 0; i < text.length; i += 1) {
      const c = text.charCodeAt(i);
      if (c === 0x2e || c === 0x65 || c === 0x45) return false;
    }
    return true;
  }

  /** Whether it has a fractional part: 1.5 and 15e-1 do; 12.0 and 1.5e1 do not. */
  get hasFraction(): boolean {
    const { digits, point } = this.decimal();
    return point < digits.length && digits !== '0';
  }

  /**
   * The exact integer this number is ("1.50e2" → 150n), or undefined when it has a fraction. Numbers
   * of more than `maxDigits` digits are undefined too, so "1e999999999" is never expanded.
   */
  integerValue(maxDigits = 400): bigint | undefined {
    const { negative, digits, point } = this.decimal();
    if (digits === '0') return 0n;
    if (point < digits.length || point > maxDigits) return undefined;
    const value = BigInt(digits.padEnd(point, '0'));
    return negative ? -value : value;
  }

  /** Its significant digits (no trailing zeros) and where the decimal point goes in them. */
  private decimal(): { negative: boolean; digits: string; point: number } {
    const [, sign, whole = '', fraction = '', exponent = '0'] =
      /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(this.text) as RegExpExecArray;
    const digits = `${whole}${fraction}`.replace(/0+$/, '') || '0';
    return { negative: sign === '-', digits, point: whole.length + Number(exponent) };
  }

  /** The double a JSON parser gives for this text (the nearest one). */
  toDouble(): number {
    return Number(this.text);
  }
}

/** A JSON object as the lossless reading gives it: its members in their order. */
export type JsonMap = Map<string, JsonValue>;
/** A JSON value as the lossless reading gives it. */
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonMap;

/** Syntax errors name the offset, so a rejected record's message says where it went wrong. */
export class JsonSyntaxError extends SyntaxError {
  override name = 'JsonSyntaxError';
}

export interface JsonTextOptions {
  /** Nesting deeper than this is refused, not a stack overflow (default 256). */
  maxDepth?: number;
  /**
   * Accept what JSON.parse accepts and a record must not have: a repeated member name (the last one
   * wins, in the first one's place) and a lone surrogate escape (kept as that code unit). For
   * documents written by other programs, such as Iceberg metadata; records are read strictly.
   */
  lenient?: boolean;
}

const STRICT: JsonTextOptions = Object.freeze({});

// biome-ignore lint/suspicious/noControlCharactersInRegex: a string's run of plain characters ends at one (RFC 8259 §7).
const PLAIN_STRING_RE = /[^"\\\u0000-\u001f]*/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: what a name spelled without escapes holds (RFC 8259 §7).
const PLAIN_NAME_RE = /^[^"\\\u0000-\u001f]*$/;
/** Top-level member names by position, as the last record spelled them (see parseTopName). */
const TOP_NAMES: string[] = [];
const MAX_TOP_NAMES = 256;
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Parses JSON text (RFC 8259) into JsonValues, losing nothing (see the top of this file). */
export function parseJsonText(text: string, options: JsonTextOptions = STRICT): JsonValue {
  return new Parser(text, options.maxDepth ?? 256, options.lenient === true).parse();
}

/** One parse: its methods are made once, not per call (as closures would be). */
class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly lenient: boolean,
  ) {}

  parse(): JsonValue {
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail('trailing characters');
    return value;
  }

  private fail(what: string): never {
    throw new JsonSyntaxError(`invalid JSON at offset ${this.pos}: ${what}`);
  }

  private skipWhitespace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos += 1;
    }
  }

  private parseString(): string {
    const text = this.text;
    this.pos += 1; // the opening quote
    let out = '';
    for (;;) {
      PLAIN_STRING_RE.lastIndex = this.pos;
      PLAIN_STRING_RE.test(text);
      out += text.slice(this.pos, PLAIN_STRING_RE.lastIndex);
      this.pos = PLAIN_STRING_RE.lastIndex;
      const c = text[this.pos];
      if (c === '"') {
        this.pos += 1;
        return out;
      }
      if (c !== '\\')
        return this.fail(c === undefined ? 'unterminated string' : 'control character in a string');
      const escaped = text[this.pos + 1] as string;
      if (escaped === 'u') {
        out += this.parseUnicodeEscape();
      } else {
        const char = ESCAPES[escaped];
        if (char === undefined) return this.fail(`invalid escape \\${escaped}`);
        out += char;
        this.pos += 2;
      }
    }
  }

  /**
   * The name of the top-level object's member at `index`: the string the last record had there when
   * the text spells it exactly (records of a topic repeat their names, in order), else parsed and
   * remembered. The same string each time is hashed once for the maps it is looked up in.
   */
  private parseTopName(index: number): string {
    const text = this.text;
    const known = TOP_NAMES[index];
    const end = known === undefined ? -1 : this.pos + 1 + known.length;
    if (known !== undefined && text.charCodeAt(end) === 0x22 && text.startsWith(known, this.pos + 1)) {
      this.pos = end + 1;
      return known;
    }
    const name = this.parseString();
    // Only a name without quote, backslash or control character reads back as its own spelling.
    if (index < MAX_TOP_NAMES && PLAIN_NAME_RE.test(name)) TOP_NAMES[index] = name;
    return name;
  }

  private hex4(at: number): number {
    const digits = this.text.slice(at, at + 4);
    return /^[0-9a-fA-F]{4}$/.test(digits) ? Number.parseInt(digits, 16) : this.fail('invalid \\u escape');
  }

  // A surrogate pair becomes one character; a lone surrogate has no UTF-8 form, so it is refused
  // (kept when lenient, as JSON.parse keeps it).
  private parseUnicodeEscape(): string {
    const unit = this.hex4(this.pos + 2);
    this.pos += 6;
    if (unit < 0xd800 || unit > 0xdfff) return String.fromCharCode(unit);
    if (unit <= 0xdbff && this.text.startsWith('\\u', this.pos)) {
      const low = this.hex4(this.pos + 2);
      if (low >= 0xdc00 && low <= 0xdfff) {
        this.pos += 6;
        return String.fromCharCode(unit, low);
      }
    }
    if (this.lenient) return String.fromCharCode(unit);
    return this.fail(`lone surrogate \\u${unit.toString(16)}, which UTF-8 cannot hold`);
  }

  private parseLiteral(word: string, value: JsonValue): JsonValue {
    if (!this.text.startsWith(word, this.pos)) return this.fail('expected a value');
    this.pos += word.length;
    return value;
  }

  private parseValue(depth: number): JsonValue {
    this.skipWhitespace();
    switch (this.text[this.pos]) {
      case '{':
        return this.parseObject(depth + 1);
      case '[':
        return this.parseArray(depth + 1);
      case '"':
        return this.parseString();
      case 't':
        return this.parseLiteral('true', true);
      case 'f':
        return this.parseLiteral('false', false);
      case 'n':
        return this.parseLiteral('null', null);
      default: {
        const start = this.pos;
        this.pos = numberEnd(this.text, start);
        if (this.pos === start) return this.fail('expected a value');
        return new JsonNumber(this.text.slice(start, this.pos));
      }
    }
  }

  private parseObject(depth: number): JsonMap {
    const text = this.text;
    if (depth > this.maxDepth) this.fail(`nested deeper than ${this.maxDepth} levels`);
    this.pos += 1;
    const object: JsonMap = new Map();
    this.skipWhitespace();
    if (text[this.pos] === '}') {
      this.pos += 1;
      return object;
    }
    for (;;) {
      this.skipWhitespace();
      if (text[this.pos] !== '"') this.fail('expected a member name');
      // Records repeat their top-level names; a document read leniently is no record.
      const name = depth === 1 && !this.lenient ? this.parseTopName(object.size) : this.parseString();
      if (object.has(name) && !this.lenient) this.fail(`member "${name}" appears twice`);
      this.skipWhitespace();
      if (text[this.pos] !== ':') this.fail('expected ":"');
      this.pos += 1;
      object.set(name, this.parseValue(depth));
      this.skipWhitespace();
      if (text[this.pos] === '}') {
        this.pos += 1;
        return object;
      }
      if (text[this.pos] !== ',') this.fail('expected "," or "}"');
      this.pos += 1;
    }
  }

  private parseArray(depth: number): JsonValue[] {
    const text = this.text;
    if (depth > this.maxDepth) this.fail(`nested deeper than ${this.maxDepth} levels`);
    this.pos += 1;
    const array: JsonValue[] = [];
    this.skipWhitespace();
    if (text[this.pos] === ']') {
      this.pos += 1;
      return array;
    }
    for (;;) {
      array.push(this.parseValue(depth));
      this.skipWhitespace();
      if (text[this.pos] === ']') {
        this.pos += 1;
        return array;
      }
      if (text[this.pos] !== ',') this.fail('expected "," or "]"');
      this.pos += 1;
    }
  }
}

/**
 * Where the longest JSON number (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?) starting at `start` ends;
 * `start` for none. Read by character codes: a regular expression's match allocates per number.
 */
function numberEnd(text: string, start: number): number {
  let at = start;
  if (text.charCodeAt(at) === 0x2d /* - */) at += 1;
  const first = text.charCodeAt(at);
  if (first === 0x30) at += 1;
  else if (first >= 0x31 && first <= 0x39) at = digitsEnd(text, at + 1);
  else return start;
  if (text.charCodeAt(at) === 0x2e /* . */ && isDigit(text.charCodeAt(at + 1))) at = digitsEnd(text, at + 2);
  const e = text.charCodeAt(at);
  if (e === 0x65 || e === 0x45) {
    let digits = at + 1;
    const sign = text.charCodeAt(digits);
    if (sign === 0x2b || sign === 0x2d) digits += 1;
    if (isDigit(text.charCodeAt(digits))) at = digitsEnd(text, digits + 1);
  }
  return at;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function digitsEnd(text: string, from: number): number {
  let at = from;
  while (isDigit(text.charCodeAt(at))) at += 1;
  return at;
}

/** A JSON object (a Map here), as opposed to the other kinds of value. */
export function isJsonObject(value: JsonValue | undefined): value is JsonMap {
  return value instanceof Map;
}

/** The kind of a JSON value, for messages: "string", "number", "object", ... */
export function jsonKind(value: JsonValue): string {
  if (value === null) return 'null';
  if (value instanceof JsonNumber) return 'number';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Map) return 'object';
  return typeof value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON text from bytes, which must be UTF-8 (RFC 8259 §8.1): invalid bytes are refused, not replaced. */
export function jsonTextOf(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new JsonSyntaxError('invalid JSON: the bytes are not UTF-8');
  }
}

/** A JSON value in plain JavaScript form, a bigint where `parseJson` was asked for one. */
export type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const LENIENT: JsonTextOptions = Object.freeze({ lenient: true, maxDepth: Number.POSITIVE_INFINITY });

/**
 * JSON text read leniently (as JSON.parse accepts it) into plain values: integer literals under the
 * keys in `bigintKeys`, and in arrays under them, as exact bigints; every other number as the double
 * JSON.parse gives (so "-0" is negative zero).
 */
export function parseJson(text: string, bigintKeys: ReadonlySet<string> = new Set()): Json {
  return plainJson(parseJsonText(text, LENIENT), false, bigintKeys);
}

function plainJson(value: JsonValue, big: boolean, bigintKeys: ReadonlySet<string>): Json {
  if (value instanceof JsonNumber)
    return big && value.isIntegerLiteral ? BigInt(value.text) : value.toDouble();
  if (Array.isArray(value)) return value.map((element) => plainJson(element, big, bigintKeys));
  if (value instanceof Map) {
    const object: JsonObject = {};
    for (const [key, member] of value) object[key] = plainJson(member, bigintKeys.has(key), bigintKeys);
    return object;
  }
  return value;
}

/** JSON text with bigints as bare integers; `undefined` object members are left out, as JSON.stringify does. */
export function stringifyJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : stringifyJson(v))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const members: string[] = [];
    for (const [key, v] of Object.entries(value)) {
      if (v !== undefined) members.push(`${JSON.stringify(key)}:${stringifyJson(v)}`);
    }
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

// Readers that name what they expected, for errors that point at the bad member.

export function asObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

export function asArray(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${what} must be a JSON array`);
  return v;
}

export function asInt(v: unknown, what: string): number {
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) {
    return Number(v);
  }
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new Error(`${what} must be an integer, got ${String(v)}`);
  return v;
}

/** A 64-bit integer: exact when the parser read it as bigint; a safe number is accepted too. */
export function asLong(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw new Error(`${what} must be a 64-bit integer read exactly, got ${String(v)}`);
}

export function asBool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new Error(`${what} must be a boolean, got ${String(v)}`);
  return v;
}

export function asString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`${what} must be a string, got ${String(v)}`);
  return v;
}

export function asStringMap(v: unknown, what: string): Record<string, string> {
  const o = asObject(v, what);
  for (const [key, value] of Object.entries(o)) asString(value, `${what}["${key}"]`);
  return o as Record<string, string>;
}
