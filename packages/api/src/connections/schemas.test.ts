import { describe, expect, it } from 'vitest';
import { type ConnectionFormInput, connectionFormSchema, toConnection } from './schemas';

const EXTERNAL_ID = 'x'.repeat(16);
const kafkaForm = (fields: Partial<Extract<ConnectionFormInput, { type: 'kafka' }>>) =>
  toConnection(
    connectionFormSchema.parse({
      type: 'kafka',
      name: 'events',
      bootstrapServers: 'b-1.events.kafka.eu-west-1.amazonaws.com:9098',
      securityProtocol: 'SASL_SSL',
      ...fields,
    }),
    EXTERNAL_ID,
  );

describe('the Kafka connection form', () => {
  it('makes an MSK IAM connection from the region alone: no user name or password', () => {
    const { connection, issues } = kafkaForm({ saslMechanism: 'AWS_MSK_IAM', saslRegion: 'eu-west-1' });
    expect(issues).toEqual([]);
    expect(connection).toMatchObject({
      kafka: { security: { protocol: 'SASL_SSL', sasl: { mechanism: 'AWS_MSK_IAM', region: 'eu-west-1' } } },
    });
  });

  it('takes the CA, client certificate and key as references', () => {
    const { connection, issues } = kafkaForm({
      securityProtocol: 'SSL',
      tlsCa: 'file:/etc/kafka/ca.pem',
      tlsClientCert: 'file:/etc/kafka/client.pem',
      tlsClientKey: 'env:KAFKA_CLIENT_KEY',
    });
    expect(issues).toEqual([]);
    expect(connection).toMatchObject({
      kafka: {
        security: {
          protocol: 'SSL',
          tls: {
            ca: { from: 'file', path: '/etc/kafka/ca.pem' },
            clientCert: { from: 'file', path: '/etc/kafka/client.pem' },
            clientKey: { from: 'env', name: 'KAFKA_CLIENT_KEY' },
          },
        },
      },
    });
  });

  it.each([
    [
      'a private key typed in',
      { securityProtocol: 'SSL', tlsClientCert: 'env:C', tlsClientKey: '-----BEGIN PRIVATE KEY-----' },
      'tlsClientKey',
      'looks like a private key',
    ],
    [
      'a client certificate without its key',
      { securityProtocol: 'SSL', tlsClientCert: 'env:C' },
      'tlsClientKey',
      'go together',
    ],
    [
      'MSK IAM with no region',
      { saslMechanism: 'AWS_MSK_IAM', saslRegion: 'Ireland' },
      'saslRegion',
      'an AWS region',
    ],
    [
      'MSK IAM without TLS',
      { securityProtocol: 'SASL_PLAINTEXT', saslMechanism: 'AWS_MSK_IAM', saslRegion: 'eu-west-1' },
      'securityProtocol',
      'SASL_SSL',
    ],
    [
      'SCRAM without a password',
      { saslMechanism: 'SCRAM-SHA-512', saslUsername: 'floe' },
      'saslPassword',
      'password reference',
    ],
  ] as const)('puts %s on its field', (_what, fields, field, message) => {
    const { connection, issues } = kafkaForm(fields);
    expect(connection).toBeUndefined();
    expect(issues).toContainEqual({ field, message: expect.stringContaining(message) });
  });
});

const catalogForm = (fields: Partial<Extract<ConnectionFormInput, { type: 'catalog' }>>) =>
  toConnection(
    connectionFormSchema.parse({ type: 'catalog', name: 'lake', catalogType: 'rest', ...fields }),
    EXTERNAL_ID,
  );

describe('the catalog connection form', () => {
  it('makes a SigV4-signed REST catalog for the Glue Iceberg endpoint and S3 Tables', () => {
    const { connection, issues } = catalogForm({
      catalogType: 'rest-sigv4',
      uri: 'https://s3tables.eu-west-1.amazonaws.com/iceberg',
      warehouse: 'arn:aws:s3tables:eu-west-1:123456789012:bucket/lake',
      region: 'eu-west-1',
      signingName: 's3tables',
      credential: 'env:IGNORED_TOKEN',
    });
    expect(issues).toEqual([]);
    expect(connection).toEqual({
      type: 'catalog',
      catalog: {
        type: 'rest',
        uri: 'https://s3tables.eu-west-1.amazonaws.com/iceberg',
        warehouse: 'arn:aws:s3tables:eu-west-1:123456789012:bucket/lake',
        auth: { type: 'sigv4', region: 'eu-west-1', signingName: 's3tables' },
      },
    });
  });

  it('makes an OAuth2 REST catalog with its scope, the client secret as a reference', () => {
    const { connection, issues } = catalogForm({
      catalogType: 'rest-oauth2',
      uri: 'https://polaris.internal/api/catalog',
      warehouse: 'lake',
      clientId: 'floe-writer',
      clientSecret: 'env:POLARIS_SECRET',
      scope: 'PRINCIPAL_ROLE:writer',
    });
    expect(issues).toEqual([]);
    expect(connection).toMatchObject({
      catalog: {
        auth: {
          type: 'oauth2',
          clientId: 'floe-writer',
          clientSecret: { from: 'env', name: 'POLARIS_SECRET' },
          scope: 'PRINCIPAL_ROLE:writer',
        },
      },
    });
  });

  it('makes a Hive Metastore catalog from its thrift://host:port uri, and names the key when it is not one', () => {
    expect(catalogForm({ catalogType: 'hive', uri: 'thrift://metastore.internal:9083' })).toEqual({
      connection: { type: 'catalog', catalog: { type: 'hive', uri: 'thrift://metastore.internal:9083' } },
      issues: [],
    });
    const wrong = {
      field: 'uri',
      message: 'uri must be the metastore as thrift://host:port, like thrift://metastore.internal:9083',
    };
    for (const uri of ['metastore.internal:9083', 'thrift://metastore.internal', 'http://m.internal:9083'])
      expect(catalogForm({ catalogType: 'hive', uri }).issues, uri).toEqual([wrong]);
    expect(catalogForm({ catalogType: 'hive' }).issues).toEqual([{ field: 'uri', message: 'required' }]);
  });

  it('puts each error on its field', () => {
    expect(
      catalogForm({ catalogType: 'rest-oauth2', uri: 'https://p.internal', warehouse: 'w' }).issues,
    ).toEqual([
      { field: 'clientId', message: 'required' },
      { field: 'clientSecret', message: 'required' },
    ]);
    expect(
      catalogForm({ catalogType: 'rest-sigv4', uri: 'https://g.internal', warehouse: 'w', region: 'Ireland' })
        .issues,
    ).toEqual([
      { field: 'region', message: 'an AWS region, like eu-west-1' },
      { field: 'signingName', message: expect.any(String) },
    ]);
  });
});
