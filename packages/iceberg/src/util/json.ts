/**
 * JSON with exact 64-bit integers. Iceberg metadata carries longs (snapshot ids are random 63-bit
 * values) that a JavaScript number cannot hold, and Node 20's JSON.parse gives a reviver no access
 * to the source text. So this parser reads integer values of the named keys (and the elements of
 * arrays under those keys) as bigint, and `stringifyJson` writes bigints back as bare digits.
 */

export type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const INTEGER_RE = /^-?\d+$/;
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

export function parseJson(text: string, bigintKeys: ReadonlySet<string> = new Set()): Json {
  let pos = 0;

  const fail = (what: string): never => {
    throw new SyntaxError(`invalid JSON at offset ${pos}: ${what}`);
  };
  const skipWhitespace = () => {
    while (pos < text.length && WHITESPACE.has(text[pos] as string)) pos += 1;
  };
  const expect = (ch: string) => {
    skipWhitespace();
    if (text[pos] !== ch) fail(`expected "${ch}"`);
    pos += 1;
  };

  const parseString = (): string => {
    const start = pos;
    pos += 1; // opening quote
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
    if (pos >= text.length) fail('unterminated string');
    pos += 1;
    return JSON.parse(text.slice(start, pos)) as string;
  };

  const parseNumber = (big: boolean): number | bigint => {
    NUMBER_RE.lastIndex = pos;
    const match = NUMBER_RE.exec(text);
    if (match === null) return fail('expected a value');
    pos += match[0].length;
    return big && INTEGER_RE.test(match[0]) ? BigInt(match[0]) : Number(match[0]);
  };

  const parseLiteral = (word: string, value: Json): Json => {
    if (text.startsWith(word, pos)) {
      pos += word.length;
      return value;
    }
    return fail('expected a value');
  };

  const parseValue = (big: boolean): Json => {
    skipWhitespace();
    switch (text[pos]) {
      case '{': {
        pos += 1;
        const object: JsonObject = {};
        skipWhitespace();
        if (text[pos] === '}') {
          pos += 1;
          return object;
        }
        for (;;) {
          skipWhitespace();
          if (text[pos] !== '"') fail('expected a key');
          const key = parseString();
          expect(':');
          object[key] = parseValue(bigintKeys.has(key));
          skipWhitespace();
          if (text[pos] === ',') pos += 1;
          else if (text[pos] === '}') {
            pos += 1;
            return object;
          } else fail('expected "," or "}"');
        }
      }
      case '[': {
        pos += 1;
        const array: Json[] = [];
        skipWhitespace();
        if (text[pos] === ']') {
          pos += 1;
          return array;
        }
        for (;;) {
          array.push(parseValue(big));
          skipWhitespace();
          if (text[pos] === ',') pos += 1;
          else if (text[pos] === ']') {
            pos += 1;
            return array;
          } else fail('expected "," or "]"');
        }
      }
      case '"':
        return parseString();
      case 't':
        return parseLiteral('true', true);
      case 'f':
        return parseLiteral('false', false);
      case 'n':
        return parseLiteral('null', null);
      default:
        return parseNumber(big);
    }
  };

  const value = parseValue(false);
  skipWhitespace();
  if (pos !== text.length) fail('trailing characters');
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
