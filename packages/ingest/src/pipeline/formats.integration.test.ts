import { bigintLong } from '@floe/iceberg';
import { scanWithPyiceberg } from '@floe/iceberg/testing';
import avro from 'avsc';
import protobuf from 'protobufjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createValueDecoder } from '../decode/create-decoder';
import { SchemaRegistry, type SchemaType } from '../decode/registry';
import { writeMessageIndexes, writeWireHeader } from '../decode/wire-format';
import {
  createTopic,
  testAwsCredentials,
  testCatalog,
  testKafka,
  testSpec,
  uniqueName,
  waitForCommitted,
} from '../testing/stack';
import { type OpenedPipeline, openPipeline } from './open-pipeline';

// Every value format end to end through a pipeline, with the producer's schema evolving mid-stream
// (version 2 adds an optional `email`): the table's schema evolves with it, pyiceberg reads every row,
// the old ones with a null email.

const registry = new SchemaRegistry({ url: process.env.FLOE_SCHEMA_REGISTRY_URL as string });
const kafka = testKafka();
const catalog = testCatalog();
const namespace = uniqueName('formats');
const opened: OpenedPipeline[] = [];
const PER_VERSION = 40;

afterAll(async () => {
  await Promise.allSettled(opened.map((p) => p.stop()));
});

type Encoder = (version: 1 | 2, n: number) => Promise<Buffer>;

/** Registers both versions under one subject; returns an encoder for values of either. */
async function registered(
  type: SchemaType,
  v1: string,
  v2: string,
  encode: (version: 1 | 2, n: number, id: number) => Buffer,
): Promise<Encoder> {
  const subject = uniqueName(`formats-${type.toLowerCase()}`);
  const id1 = await registry.register(subject, { schema: v1, schemaType: type });
  const id2 = await registry.register(subject, { schema: v2, schemaType: type });
  return async (version, n) => encode(version, n, version === 1 ? id1 : id2);
}

const avroV1 = {
  type: 'record',
  name: 'User',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
  ],
};
const avroV2 = {
  ...avroV1,
  fields: [...avroV1.fields, { name: 'email', type: ['null', 'string'], default: null }],
};
const avroType = (schema: object) =>
  avro.Type.forSchema(schema as avro.Schema, { typeHook: (s) => (s === 'long' ? bigintLong : undefined) });

const proto = (withEmail: boolean) =>
  `syntax = "proto3"; package floe.test; message User { int64 id = 1; string name = 2; ${withEmail ? 'optional string email = 3;' : ''} }`;
const protoType = (withEmail: boolean) =>
  protobuf.parse(proto(withEmail), { keepCase: true }).root.lookupType('floe.test.User');

const jsonSchema = (withEmail: boolean) =>
  JSON.stringify({
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    required: ['id', 'name'],
    properties: {
      id: { type: 'integer' },
      name: { type: 'string' },
      ...(withEmail && { email: { type: 'string' } }),
    },
  });

const value = (version: 1 | 2, n: number) => ({
  id: BigInt(n),
  name: `user ${n} ✓`,
  ...(version === 2 && { email: `u${n}@example.com` }),
});

const FORMATS: Record<'json' | 'avro' | 'protobuf' | 'json-schema', () => Promise<Encoder>> = {
  json: async () => async (version, n) => Buffer.from(JSON.stringify({ ...value(version, n), id: n })),
  avro: () =>
    registered('AVRO', JSON.stringify(avroV1), JSON.stringify(avroV2), (version, n, id) =>
      writeWireHeader(
        id,
        avroType(version === 1 ? avroV1 : avroV2).toBuffer(
          version === 1 ? value(1, n) : { ...value(2, n), email: value(2, n).email },
        ),
      ),
    ),
  protobuf: () =>
    registered('PROTOBUF', proto(false), proto(true), (version, n, id) => {
      const type = protoType(version === 2);
      const body = type.encode(type.fromObject({ ...value(version, n), id: String(n) })).finish();
      return writeWireHeader(id, Buffer.concat([writeMessageIndexes([0]), body]));
    }),
  'json-schema': () =>
    registered('JSON', jsonSchema(false), jsonSchema(true), (version, n, id) =>
      writeWireHeader(id, Buffer.from(JSON.stringify({ ...value(version, n), id: n }))),
    ),
};

describe('each value format end to end, with the schema evolving mid-stream (pyiceberg reads back)', () => {
  for (const [format, makeEncoder] of Object.entries(FORMATS)) {
    it(format, { timeout: 180_000 }, async () => {
      const encode = await makeEncoder();
      if (!(await catalog.listNamespaces()).some((ns) => ns[0] === namespace)) {
        await catalog.createNamespace([namespace]).catch(() => {});
      }
      const topic = uniqueName(`fmt-${format}`).replaceAll('_', '-');
      await createTopic(kafka, topic, 1);
      const producer = kafka.producer();
      await producer.connect();
      const send = async (version: 1 | 2, from: number) =>
        producer.send({
          topic,
          messages: await Promise.all(
            Array.from({ length: PER_VERSION }, async (_, i) => ({ value: await encode(version, from + i) })),
          ),
        });
      await send(1, 0);
      const table = format.replace('-', '_');
      const spec = testSpec([topic], namespace, table, {
        format: {
          value: format as 'json',
          key: 'none',
          schemaRegistry: { url: process.env.FLOE_SCHEMA_REGISTRY_URL as string },
        },
      });
      const pipeline = await openPipeline(spec, {
        decoder: createValueDecoder(spec.format.value, registry),
        resolveSecret: async () => '',
        awsCredentials: testAwsCredentials,
      });
      opened.push(pipeline);
      await pipeline.start();
      const waitFor = (n: number) => waitForCommitted(catalog, namespace, [table], spec.id, n);
      await waitFor(PER_VERSION);
      // The producer moves to version 2 while the pipeline runs.
      await send(2, PER_VERSION);
      await producer.disconnect();
      await waitFor(2 * PER_VERSION);
      await pipeline.stop();

      const scan = await scanWithPyiceberg([namespace], table, { select: ['id', 'name', 'email'] });
      const rows = scan.rows.sort((a, b) => Number(String(a.id).slice(2)) - Number(String(b.id).slice(2)));
      expect(rows).toHaveLength(2 * PER_VERSION);
      expect(rows[0]).toEqual({ id: 'i:0', name: 'user 0 ✓', email: null });
      expect(rows.at(-1)).toEqual({
        id: `i:${2 * PER_VERSION - 1}`,
        name: `user ${2 * PER_VERSION - 1} ✓`,
        email: `u${2 * PER_VERSION - 1}@example.com`,
      });
      expect(rows.filter((r) => r.email === null)).toHaveLength(PER_VERSION);
    });
  }
});
