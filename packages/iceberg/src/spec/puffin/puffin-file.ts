import { stringifyJson } from '../../util/json';

// The Puffin file format (spec "Puffin file format"): magic, blobs, then a footer of magic, a JSON
// payload describing the blobs, the payload's size (4 bytes little-endian), 4 flag bytes and magic.

const MAGIC = Buffer.from('PFA1', 'ascii');
const FOOTER_TAIL = 12; // payload size, flags, magic

/** A blob to write: its type and metadata as the footer records them (offset and length are filled in). */
export interface PuffinBlob {
  type: string;
  fields: number[];
  snapshotId: bigint;
  sequenceNumber: bigint;
  properties: Record<string, string>;
  bytes: Uint8Array;
}

/** Where a written blob sits in its file. */
export interface PuffinBlobLocation {
  offset: number;
  length: number;
}

/** Writes uncompressed blobs and an uncompressed footer. */
export function writePuffin(
  blobs: readonly PuffinBlob[],
  properties: Record<string, string>,
): { bytes: Uint8Array; locations: PuffinBlobLocation[] } {
  const parts: Uint8Array[] = [MAGIC];
  let offset = MAGIC.length;
  const locations: PuffinBlobLocation[] = [];
  const metadata = blobs.map((b) => {
    const location = { offset, length: b.bytes.byteLength };
    locations.push(location);
    parts.push(b.bytes);
    offset += b.bytes.byteLength;
    return {
      type: b.type,
      fields: b.fields,
      'snapshot-id': b.snapshotId,
      'sequence-number': b.sequenceNumber,
      offset: location.offset,
      length: location.length,
      properties: b.properties,
    };
  });
  const payload = Buffer.from(stringifyJson({ blobs: metadata, properties }), 'utf8');
  const tail = Buffer.alloc(FOOTER_TAIL);
  tail.writeInt32LE(payload.length, 0);
  MAGIC.copy(tail, 8);
  parts.push(MAGIC, payload, tail);
  return { bytes: Buffer.concat(parts), locations };
}
