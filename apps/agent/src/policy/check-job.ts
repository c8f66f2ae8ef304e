import type { Connection, Job, PipelineSpec, SecretRef } from '@floe/protocol';
import { noPolicyHint, secretViolation } from './check-secret';
import type { LoadedPolicy } from './load-policy';
import { globMatches, hostMatches, keyPrefixWithin, urlMatches } from './match';
import { PolicyError } from './policy-error';

/** Orphan removal never deletes a file younger than this, whatever a job asks. */
export const MIN_ORPHAN_SAFETY_WINDOW_MS = 60 * 60_000;
/** Snapshot expiry always keeps at least this many snapshots of each branch. */
export const MIN_SNAPSHOTS_KEPT = 1;

type Kafka = Pick<PipelineSpec['source'], 'bootstrapServers' | 'security'>;
type Registry = NonNullable<PipelineSpec['format']['schemaRegistry']>;
type Catalog = PipelineSpec['table']['catalog'];
type Storage = Pick<PipelineSpec['table']['storage'], 'bucket' | 'prefix' | 'endpoint'> & {
  roleArn?: string;
};

/**
 * Checks a whole job against the agent's policy before any of it runs: every host, URL, bucket,
 * prefix, role and secret reference it names, and the agent's own maintenance floors. Throws one
 * PolicyError that names every rule the job breaks.
 */
export function checkJob(job: Job, policy: LoadedPolicy, env: NodeJS.ProcessEnv = process.env): void {
  refuseAny(jobViolations(job, policy, env), policy);
}

/** The same for a pipeline spec (a job's, or a spec file's for `floe-agent run`). */
export function checkPipeline(
  spec: PipelineSpec,
  policy: LoadedPolicy,
  env: NodeJS.ProcessEnv = process.env,
) {
  refuseAny(pipelineViolations(spec, policy, env), policy);
}

function refuseAny(violations: string[], policy: LoadedPolicy) {
  if (violations.length > 0) throw new PolicyError(`policy: ${violations.join('; ')}${noPolicyHint(policy)}`);
}

function jobViolations(job: Job, policy: LoadedPolicy, env: NodeJS.ProcessEnv): string[] {
  switch (job.kind) {
    case 'pipeline.start':
    case 'pipeline.update':
      return pipelineViolations(job.pipeline, policy, env);
    case 'connection.test':
      return [
        ...connectionViolations(job.connection, policy, env),
        ...(job.roleArn === undefined ? [] : roleViolations(job.roleArn, policy)),
      ];
    case 'kafka.describe': {
      const registry = job.sample?.format.schemaRegistry;
      return [
        ...kafkaViolations(job.kafka, policy, env),
        ...(registry === undefined ? [] : registryViolations(registry, policy, env)),
      ];
    }
    case 'table.rollback':
    case 'pipeline.backfill':
    case 'pipeline.backfill-validate':
    case 'pipeline.backfill-cutover':
    case 'pipeline.backfill-abort':
      return pipelineViolations(job.pipeline, policy, env);
    case 'table.tag':
    case 'table.untag':
    case 'table.describe':
    case 'table.compact':
    case 'table.expire-snapshots':
    case 'table.remove-orphans':
      return [
        ...catalogViolations(job.table.catalog, policy, env),
        ...storageViolations(job.table.storage, policy),
        ...floorViolations(job),
      ];
    case 'pipeline.stop':
      return [];
  }
}

function pipelineViolations(spec: PipelineSpec, policy: LoadedPolicy, env: NodeJS.ProcessEnv): string[] {
  const registry = spec.format.schemaRegistry;
  return [
    ...kafkaViolations(spec.source, policy, env),
    ...(registry === undefined ? [] : registryViolations(registry, policy, env)),
    ...catalogViolations(spec.table.catalog, policy, env),
    ...storageViolations(spec.table.storage, policy),
  ];
}

function connectionViolations(connection: Connection, policy: LoadedPolicy, env: NodeJS.ProcessEnv) {
  switch (connection.type) {
    case 'kafka':
      return kafkaViolations(connection.kafka, policy, env);
    case 'schema-registry':
      return registryViolations(connection.registry, policy, env);
    case 'catalog':
      return catalogViolations(connection.catalog, policy, env);
    case 'storage':
      return storageViolations(connection.storage, policy);
    case 'aws-role':
      return roleViolations(connection.role.roleArn, policy);
  }
}

function kafkaViolations(kafka: Kafka, policy: LoadedPolicy, env: NodeJS.ProcessEnv): string[] {
  const { rules } = policy;
  const hosts =
    rules === 'permissive'
      ? []
      : kafka.bootstrapServers
          .filter((host) => !rules.kafka.bootstrapHosts.some((pattern) => hostMatches(host, pattern)))
          .map((host) => `kafka host ${host} is not in policy.kafka.bootstrapHosts`);
  const { sasl, tls } = kafka.security;
  const refs = [
    sasl?.mechanism === 'AWS_MSK_IAM' ? undefined : sasl?.password,
    tls?.ca,
    tls?.clientCert,
    tls?.clientKey,
  ];
  return [...hosts, ...secrets(refs, policy, env)];
}

function registryViolations(registry: Registry, policy: LoadedPolicy, env: NodeJS.ProcessEnv): string[] {
  const { rules } = policy;
  const url =
    rules === 'permissive' || rules.schemaRegistry.urls.some((prefix) => urlMatches(registry.url, prefix))
      ? []
      : [`schema registry ${registry.url} is not in policy.schemaRegistry.urls`];
  return [...url, ...secrets([registry.password], policy, env)];
}

function catalogViolations(catalog: Catalog, policy: LoadedPolicy, env: NodeJS.ProcessEnv): string[] {
  const { rules } = policy;
  if (catalog.type === 'rest') {
    const uri =
      rules === 'permissive' || rules.catalog.restUris.some((prefix) => urlMatches(catalog.uri, prefix))
        ? []
        : [`catalog ${catalog.uri} is not in policy.catalog.restUris`];
    const clientSecret = catalog.auth?.type === 'oauth2' ? catalog.auth.clientSecret : undefined;
    return [...uri, ...secrets([catalog.credential, clientSecret], policy, env)];
  }
  if (catalog.type === 'hive') {
    // The schema holds the uri to thrift://host:port, the form the policy's entries match.
    const metastore = catalog.uri.slice('thrift://'.length);
    return rules === 'permissive' ||
      rules.catalog.hiveMetastores.some((pattern) => hostMatches(metastore, pattern))
      ? []
      : [`Hive metastore ${catalog.uri} is not in policy.catalog.hiveMetastores`];
  }
  if (
    rules === 'permissive' ||
    rules.catalog.glue.some((g) => g.region === catalog.region && g.catalogId === catalog.catalogId)
  )
    return [];
  const which =
    catalog.catalogId === undefined ? 'the default Glue catalog' : `Glue catalog ${catalog.catalogId}`;
  return [`${which} in ${catalog.region} is not in policy.catalog.glue`];
}

function storageViolations(storage: Storage, policy: LoadedPolicy): string[] {
  const role = storage.roleArn === undefined ? [] : roleViolations(storage.roleArn, policy);
  const { rules } = policy;
  if (rules === 'permissive') return role;
  const where = storage.endpoint === undefined ? "AWS's own S3" : storage.endpoint;
  const sameEndpoint = (endpoint: string | undefined) =>
    endpoint === undefined || storage.endpoint === undefined
      ? endpoint === storage.endpoint
      : urlMatches(storage.endpoint, endpoint) && urlMatches(endpoint, storage.endpoint);
  const atEndpoint = rules.storage.locations.filter((l) => sameEndpoint(l.endpoint));
  if (atEndpoint.length === 0)
    return [`S3 endpoint ${where} is not the endpoint of any entry in policy.storage.locations`, ...role];
  const ofBucket = atEndpoint.filter((l) => l.bucket === storage.bucket);
  if (ofBucket.length === 0)
    return [`bucket ${storage.bucket} at ${where} is not in policy.storage.locations`, ...role];
  if (!ofBucket.some((l) => keyPrefixWithin(storage.prefix, l.prefix)))
    return [
      `prefix ${JSON.stringify(storage.prefix)} of bucket ${storage.bucket} is not under a prefix policy.storage.locations allows there`,
      ...role,
    ];
  return role;
}

function roleViolations(roleArn: string, policy: LoadedPolicy): string[] {
  const { rules } = policy;
  if (rules === 'permissive' || rules.aws.roleArns.some((pattern) => globMatches(roleArn, pattern)))
    return [];
  return [`role ${roleArn} is not in policy.aws.roleArns`];
}

function secrets(refs: (SecretRef | undefined)[], policy: LoadedPolicy, env: NodeJS.ProcessEnv): string[] {
  return refs.flatMap((ref) => {
    const violation = ref === undefined ? undefined : secretViolation(ref, policy, env);
    return violation === undefined ? [] : [violation];
  });
}

/** The agent's own floors for maintenance: they hold in permissive mode too. */
function floorViolations(job: Job): string[] {
  if (job.kind === 'table.remove-orphans' && !(job.olderThanMs >= MIN_ORPHAN_SAFETY_WINDOW_MS))
    return [
      `an orphan safety window of ${job.olderThanMs} ms is below the agent's floor of 1 hour (${MIN_ORPHAN_SAFETY_WINDOW_MS} ms)`,
    ];
  if (job.kind === 'table.expire-snapshots' && !(job.retainLast >= MIN_SNAPSHOTS_KEPT))
    return [
      `expiry must keep at least ${MIN_SNAPSHOTS_KEPT} snapshot (the agent's floor); the job asked for ${job.retainLast}`,
    ];
  return [];
}
