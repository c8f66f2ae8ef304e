import type { DataFile } from '../spec/manifest';
import { partitionPath } from '../spec/partition-spec';
import {
  DELETION_VECTOR_V1,
  ROW_POSITION_FIELD_ID,
  serializeDeletionVector,
} from '../spec/puffin/deletion-vector';
import { writePuffin } from '../spec/puffin/puffin-file';
import type { DataFileTarget } from './data-file';

/**
 * Writes a format v3 deletion vector: one Puffin file holding one `deletion-vector-v1` blob for the
 * rows (positions from 0) of one data file, described for a delete manifest as the spec wants it
 * (content 1, format puffin, the data file's partition, referenced_data_file, content_offset and
 * content_size_in_bytes of the blob, record_count its cardinality). One file per vector: a table's
 * delete files are named by path everywhere (removal, expiry), and a vector is replaced on its own.
 * The blob's snapshot id and sequence number are -1: readers take them from the manifest entry.
 */
export async function writeDeletionVector(
  target: DataFileTarget,
  dataFile: DataFile,
  positions: Iterable<number>,
): Promise<DataFile> {
  const unique = new Set(positions);
  if (unique.size === 0) throw new Error('a deletion vector needs at least one position');
  const { bytes, locations } = writePuffin(
    [
      {
        type: DELETION_VECTOR_V1,
        fields: [ROW_POSITION_FIELD_ID],
        snapshotId: -1n,
        sequenceNumber: -1n,
        properties: { 'referenced-data-file': dataFile.filePath, cardinality: String(unique.size) },
        bytes: serializeDeletionVector(unique),
      },
    ],
    { 'created-by': 'Floe' },
  );
  const blob = locations[0] as { offset: number; length: number };
  const folder =
    target.spec.fields.length === 0
      ? ''
      : `${partitionPath(target.spec, target.schema, dataFile.partition)}/`;
  const name = `${String(target.nextIndex()).padStart(5, '0')}-${target.filePrefix}-dv.puffin`;
  const filePath = `${target.dataLocation}/${folder}${name}`;
  await target.io.write(filePath, bytes);
  const file: DataFile = {
    content: 1,
    filePath,
    fileFormat: 'PUFFIN',
    partition: dataFile.partition,
    recordCount: BigInt(unique.size),
    fileSizeInBytes: BigInt(bytes.byteLength),
    referencedDataFile: dataFile.filePath,
    contentOffset: BigInt(blob.offset),
    contentSizeInBytes: BigInt(blob.length),
  };
  target.onWritten(file);
  return file;
}
