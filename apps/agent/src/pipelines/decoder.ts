import { SchemalessJsonDecoder, type ValueDecoder } from '@floe/ingest';
import type { PipelineSpec } from '@floe/protocol';

/** The value decoder a pipeline's format needs. */
export async function decoderFor(spec: PipelineSpec): Promise<ValueDecoder> {
  if (spec.format.value === 'json') return new SchemalessJsonDecoder();
  throw new Error(
    `pipeline ${spec.id}: ${spec.format.value} values are not decoded by this agent version yet`,
  );
}
