import { describe, expect, it } from 'vitest';
import { uniqueName } from '../testing/stack';
import { RecordRejectedError } from './decoded';
import { SchemaRegistry, SchemaRegistryError } from './registry';

const url = process.env.FLOE_SCHEMA_REGISTRY_URL as string;

describe('the schema registry client', () => {
  const registry = new SchemaRegistry({ url });

  it('fetches a schema by id with its references, each after what it references', async () => {
    const subject = uniqueName('registry');
    const currency = `{"type":"enum","name":"Currency","namespace":"common","symbols":["EUR","USD"]}`;
    const currencyId = await registry.register(`${subject}-currency`, { schema: currency });
    const money =
      '{"type":"record","name":"Money","namespace":"common","fields":[{"name":"units","type":"long"},{"name":"currency","type":"Currency"}]}';
    await registry.register(`${subject}-money`, {
      schema: money,
      references: [{ name: 'common.Currency', subject: `${subject}-currency`, version: 1 }],
    });
    const order =
      '{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"price","type":"common.Money"},{"name":"fee","type":"common.Currency"}]}';
    const id = await registry.register(`${subject}-order`, {
      schema: order,
      references: [
        { name: 'common.Money', subject: `${subject}-money`, version: 1 },
        { name: 'common.Currency', subject: `${subject}-currency`, version: 1 },
      ],
    });

    const schema = await registry.schemaById(id);
    expect(schema).toEqual({
      id,
      schemaType: 'AVRO',
      schema: order,
      references: [
        { name: 'common.Currency', schemaType: 'AVRO', schema: currency },
        { name: 'common.Money', schemaType: 'AVRO', schema: money },
      ],
    });
    expect((await registry.schemaById(currencyId)).references).toEqual([]);
    // Kept by id: the same answer, not a second request's copy.
    expect(await registry.schemaById(id)).toBe(schema);
  });

  it('reads the schema type of Protobuf and JSON schemas', async () => {
    const subject = uniqueName('registry');
    const proto = 'syntax = "proto3";\nmessage M { int64 x = 1; }\n';
    const protoId = await registry.register(`${subject}-proto`, { schema: proto, schemaType: 'PROTOBUF' });
    const json = '{"type":"object","properties":{"x":{"type":"integer"}}}';
    const jsonId = await registry.register(`${subject}-json`, { schema: json, schemaType: 'JSON' });
    expect(await registry.schemaById(protoId)).toEqual({
      id: protoId,
      schemaType: 'PROTOBUF',
      schema: proto,
      references: [],
    });
    expect(await registry.schemaById(jsonId)).toEqual({
      id: jsonId,
      schemaType: 'JSON',
      schema: json,
      references: [],
    });
  });

  it('rejects an id the registry does not know as unknown-schema-id', async () => {
    const error = await registry.schemaById(2_000_000_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordRejectedError);
    expect(error).toMatchObject({ reason: 'unknown-schema-id' });
    expect((error as Error).message).toContain('schema id 2000000000 is not in the registry');
  });

  it('treats a wrong address or an unreachable registry as an outage, not a bad record', async () => {
    // The server's root, without /apis/ccompat/v7: a 404 that is not the registry's "no such schema".
    const wrongPath = new SchemaRegistry({ url: new URL(url).origin });
    const notFound = await wrongPath.schemaById(1).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(SchemaRegistryError);
    expect(notFound).not.toBeInstanceOf(RecordRejectedError);
    expect(notFound).toMatchObject({ status: 404 });

    // Port 9 (discard) is closed on loopback: the connection is refused.
    const unreachable = new SchemaRegistry({ url: 'http://127.0.0.1:9' });
    const refused = await unreachable.schemaById(1).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SchemaRegistryError);
    expect((refused as Error).message).toContain('schema registry GET http://127.0.0.1:9/schemas/ids/1');
  });
});
