import { log } from '../agent';
import { storageCredentials } from '../aws/storage-credentials';
import { decoderFor } from './decoder';
import { pipelineHosts } from './host';
import { serverPort, startMetricsServer } from './metrics-server';
import { readSpecFile } from './spec-file';
import { PipelineSupervisor } from './supervisor';

/**
 * `floe-agent run --pipeline spec.yaml`: one pipeline, no control plane. Credentials come from the
 * environment (the AWS SDK's chain, secret references by env or file); metrics on /metrics.
 */
export async function runSpecFile(path: string, metricsPort: number) {
  const spec = await readSpecFile(path);
  const supervisor = new PipelineSupervisor(
    pipelineHosts({
      decoderFor,
      credentialsFor: (s) => storageCredentials(s.table.storage, 'local', s.id),
      log,
    }),
    log,
  );
  const server = await startMetricsServer(supervisor, metricsPort);
  log('metrics', { url: `http://127.0.0.1:${serverPort(server)}/metrics` });
  await supervisor.apply(spec);
  log('running', { pipeline: spec.id, table: [...spec.table.namespace, spec.table.name].join('.') });
  return {
    supervisor,
    stop: async () => {
      await supervisor.stopAll();
      server.close();
    },
  };
}
