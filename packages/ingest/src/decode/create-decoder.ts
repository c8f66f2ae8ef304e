import type { PipelineSpec } from '@floe/protocol';
import { avroFormat } from './avro';
import { RecordRejectedError, type ValueDecoder } from './decoded';
import { jsonSchemaFormat } from './json-schema';
import { protobufFormat } from './protobuf';
import type { SchemaRegistry } from './registry';
import { RegistryValueDecoder, type SchemaFormat } from './registry-decoder';
import { SchemalessJsonDecoder } from './schemaless-json';

export type ValueFormat = PipelineSpec['format']['value'];

export interface ValueDecoderOptions {
  /** Values larger than this are rejected ('oversize') before anything reads them; default 8 MiB. */
  maxValueBytes?: number;
}

export const DEFAULT_MAX_VALUE_BYTES = 8 * 1024 * 1024;

const REGISTRY_FORMATS: Record<Exclude<ValueFormat, 'json'>, SchemaFormat> = {
  avro: avroFormat,
  protobuf: protobufFormat,
  'json-schema': jsonSchemaFormat,
};

/** The decoder of a pipeline's value format (`format.value` of its spec); all but 'json' need the registry. */
export function createValueDecoder(
  format: ValueFormat,
  registry?: SchemaRegistry,
  options: ValueDecoderOptions = {},
): ValueDecoder {
  let decoder: ValueDecoder;
  if (format === 'json') {
    decoder = new SchemalessJsonDecoder();
  } else {
    if (registry === undefined) throw new Error(`the ${format} value format needs a schema registry`);
    decoder = new RegistryValueDecoder(registry, REGISTRY_FORMATS[format]);
  }
  return limitSize(decoder, options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES);
}

/** Refuses a value larger than `maxBytes` before the decoder holds a copy of it (and a tree of it). */
function limitSize(decoder: ValueDecoder, maxBytes: number): ValueDecoder {
  return {
    decode: async (value) => {
      if (value.length > maxBytes) {
        throw new RecordRejectedError(
          'oversize',
          `the value has ${value.length} bytes, more than the limit of ${maxBytes} bytes`,
        );
      }
      return decoder.decode(value);
    },
  };
}
