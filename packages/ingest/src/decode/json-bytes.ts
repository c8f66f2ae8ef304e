/**
 * Pieces of JSON read straight from a record's UTF-8 bytes, for the portable engine's short path
 * (engine/json-row.ts): no text of the whole record, no value object per member. Each reads only the
 * plain forms it is sure of and answers -1 (or NaN) for anything else, which the caller leaves to the
 * full parser (@floe/iceberg/json), so the two never disagree on a value.
 */

/**
 * The position of the first byte at or after `at` and before `end` that is not JSON whitespace (`end`
 * when none). Every function here reads only before `end`: a record's bytes lie inside a larger buffer
 * (the fetched record batches), and a read past the buffer's end makes V8 drop its optimized code.
 */
export function skipWhitespace(bytes: Uint8Array, at: number, end: number): number {
  let p = at;
  while (p < end) {
    const c = bytes[p];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return p;
    p += 1;
  }
  return p;
}

/** Text of the bytes [start, end) read one byte per character (ASCII), without Buffer#toString's dispatch. */
export function asciiText(bytes: Buffer, start: number, end: number): string {
  return (bytes as Buffer & { latin1Slice(start: number, end: number): string }).latin1Slice(start, end);
}

/** Text of the UTF-8 bytes [start, end), which must be valid UTF-8 (as plainStringEnd checks). */
export function utf8Text(bytes: Buffer, start: number, end: number): string {
  return (bytes as Buffer & { utf8Slice(start: number, end: number): string }).utf8Slice(start, end);
}

/**
 * Where the string whose opening quote is at `at` ends (the position of its closing quote), or -1
 * when it has an escape, a control character, bytes that are not UTF-8, or no end. `ascii` tells
 * whether every byte was ASCII.
 */
export function plainStringEnd(bytes: Uint8Array, at: number, end: number, ascii: { is: boolean }): number {
  let p = at + 1;
  let only = true;
  while (p < end) {
    const c = bytes[p] as number;
    if (c === 0x22) {
      ascii.is = only;
      return p;
    }
    if (c === 0x5c || c < 0x20) return -1;
    if (c < 0x80) {
      p += 1;
      continue;
    }
    only = false;
    p = utf8SequenceEnd(bytes, p, end);
    if (p < 0) return -1;
  }
  return -1;
}

/** The end of the UTF-8 sequence (RFC 3629: no overlong form, surrogate or value past U+10FFFF) starting at `at`, or -1. */
function utf8SequenceEnd(bytes: Uint8Array, at: number, end: number): number {
  const c = bytes[at] as number;
  const b1 = at + 1 < end ? (bytes[at + 1] as number) : 0;
  const continues = (k: number) => at + k < end && ((bytes[at + k] as number) & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return continues(1) ? at + 2 : -1;
  if (c >= 0xe0 && c <= 0xef) {
    const low = c === 0xe0 ? 0xa0 : 0x80;
    const high = c === 0xed ? 0x9f : 0xbf;
    return b1 >= low && b1 <= high && continues(2) ? at + 3 : -1;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const low = c === 0xf0 ? 0x90 : 0x80;
    const high = c === 0xf4 ? 0x8f : 0xbf;
    return b1 >= low && b1 <= high && continues(2) && continues(3) ? at + 4 : -1;
  }
  return -1;
}

/** Whether `word` (ASCII) is spelled at `at`, before `end`. */
export function spells(bytes: Uint8Array, at: number, end: number, word: string): boolean {
  if (at + word.length > end) return false;
  for (let k = 0; k < word.length; k += 1) if (bytes[at + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** A number read by `readNumber`: its kind and value, and where it ends. */
export interface ScannedNumber {
  /** 'integer': an integer literal of at most 15 digits; 'fraction': digits, a point and digits, at most 15 in all. */
  kind: 'integer' | 'fraction' | 'other';
  value: number;
  end: number;
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_DIGITS = 15;

/**
 * The JSON number at `at`, when it is an integer literal or a plain fraction of at most 15 digits:
 * then `value` is exact (an integer below 2^53), or the double nearest the fraction — digits below
 * 2^53 divided by an exact power of ten, one correctly rounded division (Clinger's fast path), so the
 * double `Number(text)` gives. Anything else (an exponent, more digits, no number) is 'other'.
 */
export function readNumber(bytes: Uint8Array, at: number, end: number, out: ScannedNumber): ScannedNumber {
  out.kind = 'other';
  let p = at;
  const negative = p < end && bytes[p] === 0x2d;
  if (negative) p += 1;
  const first = p < end ? (bytes[p] as number) : 0;
  if (first < 0x30 || first > 0x39) return out;
  let digits = 0;
  let mantissa = 0;
  if (first === 0x30) {
    p += 1;
  } else {
    while (p < end && (bytes[p] as number) >= 0x30 && (bytes[p] as number) <= 0x39) {
      mantissa = mantissa * 10 + ((bytes[p] as number) - 0x30);
      digits += 1;
      p += 1;
    }
  }
  let scale = 0;
  if (p < end && bytes[p] === 0x2e) {
    p += 1;
    const start = p;
    while (p < end && (bytes[p] as number) >= 0x30 && (bytes[p] as number) <= 0x39) {
      mantissa = mantissa * 10 + ((bytes[p] as number) - 0x30);
      p += 1;
    }
    scale = p - start;
    if (scale === 0) return out;
    digits += scale;
  }
  const e = p < end ? bytes[p] : 0;
  if (e === 0x65 || e === 0x45 || digits > MAX_DIGITS) return out;
  out.end = p;
  if (scale === 0) {
    out.kind = 'integer';
    out.value = negative ? -mantissa : mantissa;
  } else {
    out.kind = 'fraction';
    const value = mantissa / (POWERS_OF_TEN[scale] as number);
    out.value = negative ? -value : value;
  }
  return out;
}
