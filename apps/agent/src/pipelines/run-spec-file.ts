import { log } from '../agent';
import { storageCredentials } from '../aws/storage-credentials';
import { checkPipeline } from '../policy/check-job';
import type { LoadedPolicy } from '../policy/load-policy';
import { SecretResolver } from '../secrets';
import { decoderFor } from './decoder';
import { pipelineHosts } from './host';
import { serverPort, startMetricsServer } from './metrics-server';
import { readSpecFile } from './spec-file';
import { PipelineSupervisor } from './supervisor';

/**
 * `floe-agent run --pipeline spec.yaml`: one pipeline, no control plane. Credentials come from the
 * environment (the AWS SDK's chain, secret references by env or file); metrics on /metrics. The
 * spec is checked against the agent's policy (or none, with --permissive) before anything opens.
 */
export async function runSpecFile(path: string, metricsPort: number, policy: LoadedPolicy) {
  const spec = await readSpecFile(path);
  checkPipeline(spec, policy);
  const supervisor = new PipelineSupervisor(
    pipelineHosts({
      secrets: new SecretResolver(policy),
      decoderFor,
      credentialsFor: (s) => storageCredentials(s.table.storage, 'local', s.id),
      log,
    }),
    log,
    (s) => checkPipeline(s, policy),
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
