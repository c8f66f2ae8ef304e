import type { PipelineSpec } from '@floe/protocol';

type Storage = Pick<PipelineSpec['table']['storage'], 'bucket' | 'prefix'>;

/**
 * The folder a job's storage names, `s3://bucket/prefix/`: the agent's policy allowed it, and table
 * files are written and deleted only inside it.
 */
export function storageRoot(storage: Storage): string {
  const prefix = storage.prefix.replace(/^\/+|\/+$/g, '');
  return `s3://${storage.bucket}/${prefix === '' ? '' : `${prefix}/`}`;
}
