import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';

// The local registry must behave like Confluent's for the calls ingest makes.
const registry = process.env.FLOE_SCHEMA_REGISTRY_URL as string;
const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

async function call(path: string, init: RequestInit = {}) {
  const res = await fetch(`${registry}${path}`, { ...init, headers: { 'Content-Type': CONTENT_TYPE } });
  // biome-ignore lint/suspicious/noExplicitAny: registry answers are checked field by field below
  return { status: res.status, body: (await res.json()) as any };
}

const avro = (fields: object[]) => JSON.stringify({ type: 'record', name: 'Event', fields });

describe('the schema registry (Confluent-compatible API)', () => {
  const subject = `events-${randomBytes(4).toString('hex')}-value`;

  it('registers an Avro schema and serves it back by its global id', async () => {
    const schema = avro([{ name: 'id', type: 'long' }]);
    const registered = await call(`/subjects/${subject}/versions`, {
      method: 'POST',
      body: JSON.stringify({ schema }),
    });
    expect(registered.status).toBe(200);
    expect(typeof registered.body.id).toBe('number');
    const byId = await call(`/schemas/ids/${registered.body.id}`);
    expect(JSON.parse(byId.body.schema)).toEqual(JSON.parse(schema));
  });

  it('enforces BACKWARD compatibility: a new required field without default is refused with 409', async () => {
    const breaking = avro([
      { name: 'id', type: 'long' },
      { name: 'tenant', type: 'string' },
    ]);
    const refused = await call(`/subjects/${subject}/versions`, {
      method: 'POST',
      body: JSON.stringify({ schema: breaking }),
    });
    expect(refused.status).toBe(409);
    const compatible = avro([
      { name: 'id', type: 'long' },
      { name: 'tenant', type: ['null', 'string'], default: null },
    ]);
    const accepted = await call(`/subjects/${subject}/versions`, {
      method: 'POST',
      body: JSON.stringify({ schema: compatible }),
    });
    expect(accepted.status).toBe(200);
  });

  it('answers an unknown schema id with 404 and error code 40403', async () => {
    const missing = await call('/schemas/ids/987654321');
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe(40403);
  });
});
