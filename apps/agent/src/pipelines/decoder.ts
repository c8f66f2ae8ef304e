import { createValueDecoder, SchemaRegistry, type ValueDecoder } from '@floe/ingest';
import type { PipelineSpec } from '@floe/protocol';
import type { SecretResolver } from '../secrets';

/**
 * The value decoder a pipeline's format needs, with its schema registry (password resolved here), which
 * it carries for the native engine (that reads Avro values through it).
 */
export async function decoderFor(
  spec: Pick<PipelineSpec, 'format'>,
  secrets: SecretResolver,
): Promise<ValueDecoder & { registry?: SchemaRegistry }> {
  const registry = spec.format.schemaRegistry;
  if (registry === undefined) return createValueDecoder(spec.format.value);
  const password = registry.password === undefined ? undefined : await secrets.resolve(registry.password);
  // The registry client sends these as basic auth: its header value is a secret too.
  if (password !== undefined) secrets.redactor.addBasicAuth(registry.username ?? '', password);
  const client = new SchemaRegistry({
    url: registry.url,
    ...(registry.username !== undefined && { username: registry.username }),
    ...(password !== undefined && { password }),
  });
  return Object.assign(createValueDecoder(spec.format.value, client), { registry: client });
}

/** A pipeline host's decoder and the registry it reads through (for the native engine's Avro). */
export async function decoderAndRegistry(
  spec: Pick<PipelineSpec, 'format'>,
  secrets: SecretResolver,
): Promise<{ decoder: ValueDecoder; registry?: SchemaRegistry }> {
  const decoder = await decoderFor(spec, secrets);
  return { decoder, ...(decoder.registry !== undefined && { registry: decoder.registry }) };
}
