/**
 * Bounds of long strings and binaries are truncated, as the reference implementations do (metrics
 * mode "truncate(16)"): strings to 16 Unicode code points, binary and fixed to 16 bytes. A truncated
 * lower bound is still a lower bound; a truncated upper bound must be incremented to stay one, and
 * when that cannot be done (all 0xFF bytes, all U+10FFFF) there is no upper bound.
 */
export const DEFAULT_TRUNCATE_LENGTH = 16;

/** Byte offset where code point `count` starts in UTF-8 `bytes`, or undefined if it has fewer. */
function codePointOffset(bytes: Uint8Array, count: number): number | undefined {
  let seen = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    if (((bytes[i] as number) & 0xc0) !== 0x80) {
      if (seen === count) return i;
      seen += 1;
    }
  }
  return undefined;
}

export function truncateStringLower(utf8: Uint8Array, length: number): Uint8Array {
  const cut = codePointOffset(utf8, length);
  return cut === undefined ? utf8 : utf8.subarray(0, cut);
}

export function truncateStringUpper(utf8: Uint8Array, length: number): Uint8Array | undefined {
  const cut = codePointOffset(utf8, length);
  if (cut === undefined) return utf8;
  const codePoints = Array.from(
    new TextDecoder().decode(utf8.subarray(0, cut)),
    (c) => c.codePointAt(0) as number,
  );
  for (let i = codePoints.length - 1; i >= 0; i -= 1) {
    let next = (codePoints[i] as number) + 1;
    // Surrogates are not characters: the next one after U+D7FF is U+E000.
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= 0x10ffff) {
      return new TextEncoder().encode(String.fromCodePoint(...codePoints.slice(0, i), next));
    }
  }
  return undefined;
}

export function truncateBinaryLower(bytes: Uint8Array, length: number): Uint8Array {
  return bytes.length <= length ? bytes : bytes.subarray(0, length);
}

export function truncateBinaryUpper(bytes: Uint8Array, length: number): Uint8Array | undefined {
  if (bytes.length <= length) return bytes;
  for (let i = length - 1; i >= 0; i -= 1) {
    const b = bytes[i] as number;
    if (b !== 0xff) {
      const out = bytes.slice(0, i + 1);
      out[i] = b + 1;
      return out;
    }
  }
  return undefined;
}
