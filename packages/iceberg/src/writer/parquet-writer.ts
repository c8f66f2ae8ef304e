import { type Field, type RecordBatch, Table, tableToIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import type { Schema } from '../spec/schema';
import type { IcebergType } from '../spec/types';
import { arrowSchema, FIELD_ID_KEY } from './arrow-schema';
import { type ColumnMetrics, columnMetrics } from './metrics';

export type ParquetCompression = 'zstd' | 'snappy' | 'uncompressed';

export interface ParquetWriteOptions {
  /** zstd by default. */
  compression?: ParquetCompression;
  /** Rows per row group (default 1,048,576, parquet-rs's own). */
  rowGroupRows?: number;
  /** Length to which string and binary bounds are truncated (default 16). */
  truncateLength?: number;
}

export interface ParquetFileMetrics extends ColumnMetrics {
  recordCount: bigint;
  /** Compressed bytes of each leaf column over all row groups, read from the written file's footer. */
  columnSizes: Map<number, bigint>;
}

export interface WrittenParquet {
  bytes: Uint8Array;
  metrics: ParquetFileMetrics;
}

const DICTIONARY_PAGE_BYTES = 8 * 1024;

const CODECS: Record<ParquetCompression, parquet.Compression> = {
  zstd: parquet.Compression.ZSTD,
  snappy: parquet.Compression.SNAPPY,
  uncompressed: parquet.Compression.UNCOMPRESSED,
};

/**
 * One Parquet file of `batches`, which must have the schema's Arrow form (`arrowSchema` or
 * `rowsToArrow`): Iceberg reads columns by the field ids in it. Counts and bounds come from the Arrow
 * data; only the column sizes come from the footer, which parquet-wasm parses from the bytes in memory.
 */
export async function writeParquetFile(
  schema: Schema,
  batches: readonly RecordBatch[],
  options: ParquetWriteOptions = {},
): Promise<WrittenParquet> {
  const bytes = await encodeParquetSliced(schema, batches, options);
  const metrics = columnMetrics(schema, batches, options.truncateLength);
  return {
    bytes,
    metrics: {
      ...metrics,
      recordCount: BigInt(batches.reduce((n, b) => n + b.numRows, 0)),
      columnSizes: await columnSizes(schema, bytes),
    },
  };
}

/** The Parquet bytes alone, without metrics (e.g. to learn how well a sample compresses). */
export function encodeParquet(
  schema: Schema,
  batches: readonly RecordBatch[],
  options: ParquetWriteOptions = {},
): Uint8Array {
  const expected = arrowSchema(schema);
  for (const batch of batches) checkFieldIds(expected.fields, batch.schema.fields, '');
  const table = new Table(expected, [...batches]);
  return parquet.writeParquet(wasmTable(table), writerProperties(options));
}

/**
 * Rows handed to parquet-wasm at a time when writing a file: its memory, which never shrinks, then
 * holds one slice's Arrow copy (and the file's encoded pages), not the copy of the whole file's rows.
 */
const SLICE_ROWS = 16_384;

/** `encodeParquet`'s bytes, with the rows streamed through parquet-wasm's writer a slice at a time. */
async function encodeParquetSliced(
  schema: Schema,
  batches: readonly RecordBatch[],
  options: ParquetWriteOptions,
): Promise<Uint8Array> {
  const rows = batches.reduce((n, b) => n + b.numRows, 0);
  if (rows <= SLICE_ROWS) return encodeParquet(schema, batches, options);
  const expected = arrowSchema(schema);
  for (const batch of batches) checkFieldIds(expected.fields, batch.schema.fields, '');
  const slices = batches.flatMap((b) =>
    Array.from({ length: Math.ceil(b.numRows / SLICE_ROWS) }, (_, k) =>
      b.slice(k * SLICE_ROWS, Math.min(b.numRows, (k + 1) * SLICE_ROWS)),
    ),
  );
  let next = 0;
  const input = new ReadableStream<parquet.RecordBatch>({
    pull(controller) {
      const slice = slices[next];
      if (slice === undefined) {
        controller.close();
        return;
      }
      slices[next++] = undefined as never; // its Arrow copy is all parquet-wasm needs now
      const table = wasmTable(new Table(expected, [slice]));
      for (const batch of table.recordBatches()) controller.enqueue(batch);
      table.free();
    },
  });
  const chunks: Uint8Array[] = [];
  const output = await parquet.transformParquetStream(input, writerProperties(options));
  for await (const chunk of output as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function wasmTable(table: Table): parquet.Table {
  return parquet.Table.fromIPCStream(tableToIPC(table, 'stream'));
}

function writerProperties(options: ParquetWriteOptions): parquet.WriterProperties {
  return (
    new parquet.WriterPropertiesBuilder()
      .setCompression(CODECS[options.compression ?? 'zstd'])
      .setMaxRowGroupSize(options.rowGroupRows ?? 1024 * 1024)
      // A column of few distinct values (a kind, a country) stays dictionary-encoded, which readers
      // filter row groups by; one of many (ids, URLs) falls back to plain within 8 KiB rather than
      // hashing a megabyte of values first. On the bench's events 8 KiB takes ~22% less encoding CPU
      // than 64 KiB and makes 27% smaller files (zstd finds the repeats a dictionary would).
      // Page statistics (the column index readers skip pages by) stay: the manifest metrics do not replace them.
      .setDictionaryPageSizeLimit(DICTIONARY_PAGE_BYTES)
      .build()
  );
}

/** A batch built without the ids (or for another schema version) would write a file no reader maps right. */
function checkFieldIds(expected: readonly Field[], actual: readonly Field[], prefix: string): void {
  if (expected.length !== actual.length) {
    throw new Error(
      `${prefix || 'batch'} has ${actual.length} fields, the Iceberg schema ${expected.length}`,
    );
  }
  expected.forEach((e, i) => {
    const a = actual[i] as Field;
    const path = prefix === '' ? e.name : `${prefix}.${e.name}`;
    const id = a.metadata.get(FIELD_ID_KEY);
    if (a.name !== e.name || id !== e.metadata.get(FIELD_ID_KEY)) {
      throw new Error(
        `batch field ${prefix === '' ? '' : `${prefix}.`}${a.name} (field id ${id ?? 'missing'}) does not match ${path} (field id ${e.metadata.get(FIELD_ID_KEY)})`,
      );
    }
    if (a.type.typeId !== e.type.typeId) {
      throw new Error(`batch field ${path} is ${a.type}, the Iceberg schema wants ${e.type}`);
    }
    checkFieldIds(e.type.children ?? [], a.type.children ?? [], path);
  });
}

/** Field id of each Parquet leaf column path ("geo.lat", "tags.list.element", "attrs.key_value.key"). */
function leafPaths(schema: Schema): Map<string, number> {
  const paths = new Map<string, number>();
  const visit = (type: IcebergType, id: number, path: string) => {
    switch (type.type) {
      case 'struct':
        for (const f of type.fields) visit(f.type, f.id, `${path}.${f.name}`);
        return;
      case 'list':
        visit(type.element, type.elementId, `${path}.list.element`);
        return;
      case 'map':
        visit(type.key, type.keyId, `${path}.key_value.key`);
        visit(type.value, type.valueId, `${path}.key_value.value`);
        return;
      default:
        paths.set(path.slice(1), id);
    }
  };
  for (const f of schema.fields) visit(f.type, f.id, `.${f.name}`);
  return paths;
}

async function columnSizes(schema: Schema, bytes: Uint8Array): Promise<Map<number, bigint>> {
  const paths = leafPaths(schema);
  const sizes = new Map<number, bigint>();
  const file = await parquet.ParquetFile.fromFile(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  try {
    for (const rowGroup of file.metadata().rowGroups()) {
      for (const column of rowGroup.columns()) {
        const path = column.columnPath().join('.');
        const id = paths.get(path);
        if (id === undefined) throw new Error(`written Parquet column "${path}" has no Iceberg field`);
        sizes.set(id, (sizes.get(id) ?? 0n) + BigInt(column.compressedSize()));
      }
    }
  } finally {
    file.free();
  }
  return sizes;
}
