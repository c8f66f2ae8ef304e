/** Murmur3 x86 32-bit with seed 0: the hash of Iceberg's bucket transform (spec Appendix B). */
export function murmur3x86_32(data: Uint8Array): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const tail = data.length & ~3;
  let h = 0;
  for (let i = 0; i < tail; i += 4) {
    h ^= mixK(view.getInt32(i, true), c1, c2);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = data.length & 3;
  if (rest > 0) {
    let k = 0;
    for (let i = rest - 1; i >= 0; i -= 1) k = (k << 8) | view.getUint8(tail + i);
    h ^= mixK(k, c1, c2);
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

function mixK(k: number, c1: number, c2: number): number {
  let m = Math.imul(k, c1);
  m = (m << 15) | (m >>> 17);
  return Math.imul(m, c2);
}
