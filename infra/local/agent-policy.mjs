// The agent policy that lets a Floe agent reach the local stack, and nothing else: what the tests
// and `npm start`'s demo agent run with (a customer writes their own, or renders it from Helm values).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** moto's account: the roles the tests create live there. */
const LOCAL_ACCOUNT = '123456789012';

/**
 * @param {Record<string, string | undefined>} env the stack's environment (`npm run stack -- env`)
 * @param {{ prefix?: string }} [options] the key prefix of the warehouse bucket to allow ("" for all of it)
 */
export function localAgentPolicy(env, { prefix = '' } = {}) {
  const required = (name) => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set: is the local stack up (npm run stack -- up)?`);
    return value;
  };
  const region = required('FLOE_AWS_REGION');
  return {
    // The secured listeners' entries are there once the stack that opens them has written its env.
    kafka: {
      bootstrapHosts: ['FLOE_KAFKA_BROKERS', 'FLOE_KAFKA_SASL_BROKERS', 'FLOE_KAFKA_MTLS_BROKERS']
        .filter((name, i) => i === 0 || env[name])
        .flatMap((name) => required(name).split(',')),
    },
    schemaRegistry: { urls: [new URL(required('FLOE_SCHEMA_REGISTRY_URL')).origin] },
    catalog: {
      // Nessie's Iceberg REST API too, while the stack runs it (npm run stack -- up nessie).
      restUris: [required('FLOE_ICEBERG_REST_URI'), ...(env.FLOE_NESSIE_URI ? [env.FLOE_NESSIE_URI] : [])],
      glue: [{ region }, { region, catalogId: LOCAL_ACCOUNT }],
      // The Hive metastore's host:port, while the stack runs it (npm run stack -- up hive).
      hiveMetastores: env.FLOE_HIVE_URI ? [env.FLOE_HIVE_URI.replace(/^thrift:\/\//, '')] : [],
    },
    storage: {
      locations: [
        { bucket: required('FLOE_WAREHOUSE_BUCKET'), prefix, endpoint: required('FLOE_S3_ENDPOINT') },
      ],
    },
    aws: { roleArns: [`arn:aws:iam::${LOCAL_ACCOUNT}:role/*`] },
    // The stack's Kafka CA and client certificate are read by file reference, as a mounted secret would be.
    secrets: {
      envPrefixes: ['FLOE_SECRET_'],
      fileFolders: env.FLOE_KAFKA_TLS_DIR ? [env.FLOE_KAFKA_TLS_DIR] : [],
      secretsManagerArns: [],
    },
  };
}

/**
 * Writes the local policy as JSON (which is YAML) to `file`, whole or not at all (several test runs
 * may write it at once); returns the file.
 */
export function writeLocalAgentPolicy(env, file, options) {
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(localAgentPolicy(env, options), null, 2)}\n`);
  renameSync(partial, file);
  return file;
}
