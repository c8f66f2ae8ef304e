import { createValueDecoder, SchemaRegistry, type ValueDecoder } from '@floe/ingest';
import type { PipelineSpec } from '@floe/protocol';
import type { SecretResolver } from '../secrets';

/** The value decoder a pipeline's format needs, with its schema registry (password resolved here). */
export async function decoderFor(
  spec: Pick<PipelineSpec, 'format'>,
  secrets: SecretResolver,
): Promise<ValueDecoder> {
  const registry = spec.format.schemaRegistry;
  if (registry === undefined) return createValueDecoder(spec.format.value);
  const password = registry.password === undefined ? undefined : await secrets.resolve(registry.password);
  // The registry client sends these as basic auth: its header value is a secret too.
  if (password !== undefined) secrets.redactor.addBasicAuth(registry.username ?? '', password);
  return createValueDecoder(
    spec.format.value,
    new SchemaRegistry({
      url: registry.url,
      ...(registry.username !== undefined && { username: registry.username }),
      ...(password !== undefined && { password }),
    }),
  );
}
