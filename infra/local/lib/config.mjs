// Ports and credentials of the local stack. Every port can be moved with an environment
// variable; passwords are made once per checkout and kept in the git-ignored stack folder.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stackPaths } from './paths.mjs';

export const PORT_VARIABLES = {
  postgres: ['FLOE_PG_PORT', 15432],
  redis: ['FLOE_REDIS_PORT', 16379],
  kafka: ['FLOE_KAFKA_PORT', 19092],
  kafkaController: ['FLOE_KAFKA_CONTROLLER_PORT', 19093],
  kafkaSasl: ['FLOE_KAFKA_SASL_PORT', 19094],
  kafkaMtls: ['FLOE_KAFKA_MTLS_PORT', 19095],
  objectStore: ['FLOE_S3_PORT', 15000],
  catalog: ['FLOE_CATALOG_PORT', 18181],
  schemaRegistry: ['FLOE_REGISTRY_PORT', 18081],
  nessie: ['FLOE_NESSIE_PORT', 19120],
  nessieManagement: ['FLOE_NESSIE_MANAGEMENT_PORT', 19121],
  hive: ['FLOE_HIVE_PORT', 19083],
};

export function stackPorts(env = process.env) {
  const ports = {};
  for (const [key, [variable, fallback]] of Object.entries(PORT_VARIABLES)) {
    const raw = env[variable] ?? String(fallback);
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1024 || port > 65535) {
      throw new Error(`${variable}=${raw} is not a usable port (an integer from 1024 to 65535)`);
    }
    ports[key] = port;
  }
  return ports;
}

export const KAFKA_VERSION = process.env.FLOE_KAFKA_VERSION ?? '4.1.1';
export const ICEBERG_REST_VERSION = '1.10.1';
export const AWS_REGION = 'us-east-1';
export const WAREHOUSE_BUCKET = 'warehouse';

/**
 * Passwords for the local Postgres and Redis admin users and Kafka's SASL user, and the web app's
 * session key, made on first use.
 */
export function stackSecrets(paths = stackPaths()) {
  const saved = existsSync(paths.secretsFile) ? JSON.parse(readFileSync(paths.secretsFile, 'utf8')) : {};
  const secrets = {
    postgresPassword: saved.postgresPassword ?? randomBytes(12).toString('hex'),
    redisPassword: saved.redisPassword ?? randomBytes(12).toString('hex'),
    kafkaPassword: saved.kafkaPassword ?? randomBytes(12).toString('hex'),
    webSessionSecret: saved.webSessionSecret ?? randomBytes(32).toString('base64url'),
  };
  if (JSON.stringify(saved) !== JSON.stringify(secrets)) {
    mkdirSync(dirname(paths.secretsFile), { recursive: true });
    writeFileSync(paths.secretsFile, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}
