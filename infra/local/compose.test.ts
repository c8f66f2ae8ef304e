import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PORT_VARIABLES } from './lib/config.mjs';

// docker-compose.yml cannot run on our machines (no Docker engine); this keeps it in step with
// the native stack: same services, same default ports, loopback only.
const compose = parse(readFileSync(join(import.meta.dirname, '../../docker-compose.yml'), 'utf8')) as {
  services: Record<string, { ports?: string[]; image: string; healthcheck?: unknown }>;
};
const SERVICE_PORTS: Record<string, keyof typeof PORT_VARIABLES> = {
  postgres: 'postgres',
  redis: 'redis',
  kafka: 'kafka',
  'object-store': 'objectStore',
  catalog: 'catalog',
  'schema-registry': 'schemaRegistry',
};

describe('docker-compose.yml', () => {
  it('runs the same services as the native stack, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual(Object.keys(SERVICE_PORTS).sort());
    for (const service of Object.values(compose.services)) expect(service.healthcheck).toBeDefined();
  });

  it.each(Object.entries(SERVICE_PORTS))(
    'publishes %s on loopback at the native default port',
    (name, key) => {
      const [, defaultPort] = PORT_VARIABLES[key];
      expect(compose.services[name]?.ports?.[0]).toMatch(new RegExp(`^127\\.0\\.0\\.1:${defaultPort}:\\d+$`));
    },
  );
});
