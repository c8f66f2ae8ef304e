import type { ConnectionType } from '@floe/api/connection-form';

export interface FieldSpec {
  name: string;
  label: string;
  hint?: string;
  options?: string[];
  /** Shown only when another field has one of these values. */
  when?: { field: string; in: string[] };
}

const REST = ['rest', 'rest-oauth2', 'rest-sigv4'];

const SECRET_HINT =
  'A reference, never the secret: env:NAME, file:/path or a Secrets Manager ARN (read by the agent).';

/** What each kind of connection asks for, in order. */
export const CONNECTION_FIELDS: Record<ConnectionType, { title: string; fields: FieldSpec[] }> = {
  kafka: {
    title: 'Kafka cluster',
    fields: [
      { name: 'bootstrapServers', label: 'Bootstrap servers', hint: 'host:port, separated by commas' },
      {
        name: 'securityProtocol',
        label: 'Security protocol',
        options: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'],
      },
      {
        name: 'saslMechanism',
        label: 'SASL mechanism',
        options: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'AWS_MSK_IAM'],
        hint: 'AWS_MSK_IAM for an Amazon MSK cluster with IAM authentication (SASL_SSL): the agent signs in with its AWS role, no password.',
        when: { field: 'securityProtocol', in: ['SASL_PLAINTEXT', 'SASL_SSL'] },
      },
      {
        name: 'saslRegion',
        label: 'MSK cluster region',
        hint: 'e.g. eu-west-1, as in the brokers’ names (b-1.<cluster>.kafka.<region>.amazonaws.com)',
        when: { field: 'saslMechanism', in: ['AWS_MSK_IAM'] },
      },
      {
        name: 'saslUsername',
        label: 'SASL user name',
        hint: 'Not used with AWS_MSK_IAM.',
        when: { field: 'securityProtocol', in: ['SASL_PLAINTEXT', 'SASL_SSL'] },
      },
      {
        name: 'saslPassword',
        label: 'SASL password reference',
        hint: `${SECRET_HINT} Not used with AWS_MSK_IAM.`,
        when: { field: 'securityProtocol', in: ['SASL_PLAINTEXT', 'SASL_SSL'] },
      },
      {
        name: 'tlsCa',
        label: 'CA certificate reference (optional)',
        hint: `The PEM of the CA that signed the brokers’ certificates, when not a public one. ${SECRET_HINT}`,
        when: { field: 'securityProtocol', in: ['SSL', 'SASL_SSL'] },
      },
      {
        name: 'tlsClientCert',
        label: 'Client certificate reference (optional, mTLS)',
        hint: SECRET_HINT,
        when: { field: 'securityProtocol', in: ['SSL', 'SASL_SSL'] },
      },
      {
        name: 'tlsClientKey',
        label: 'Client key reference (optional, mTLS)',
        hint: SECRET_HINT,
        when: { field: 'securityProtocol', in: ['SSL', 'SASL_SSL'] },
      },
    ],
  },
  'schema-registry': {
    title: 'Schema registry',
    fields: [
      { name: 'url', label: 'URL', hint: 'Confluent-compatible API, e.g. https://registry.internal' },
      { name: 'username', label: 'User name (optional)' },
      { name: 'password', label: 'Password reference (optional)', hint: SECRET_HINT },
    ],
  },
  storage: {
    title: 'Object storage',
    fields: [
      { name: 'bucket', label: 'Bucket' },
      { name: 'region', label: 'Region', hint: 'e.g. eu-west-1' },
      { name: 'prefix', label: 'Prefix (optional)', hint: 'Tables are written under this prefix' },
      {
        name: 'endpoint',
        label: 'Endpoint (optional)',
        hint: 'Only for S3-compatible stores other than AWS',
      },
    ],
  },
  catalog: {
    title: 'Iceberg catalog',
    fields: [
      {
        name: 'catalogType',
        label: 'Catalog',
        options: ['rest', 'rest-oauth2', 'rest-sigv4', 'glue', 'hive'],
        hint: 'rest: an Iceberg REST catalog with a bearer token or none (Nessie, Apache Iceberg’s server). rest-oauth2: OAuth2 client credentials (Polaris, Unity Catalog, Snowflake Open Catalog). rest-sigv4: AWS’s Iceberg REST endpoints (Glue, S3 Tables), signed with the pipeline’s AWS role. glue: the Glue Data Catalog API. hive: a Hive Metastore over Thrift.',
      },
      {
        name: 'uri',
        label: 'Metastore URI',
        hint: 'thrift://host:port of a Hive Metastore 4.0 or newer (older ones do not check commits), e.g. thrift://metastore.internal:9083',
        when: { field: 'catalogType', in: ['hive'] },
      },
      {
        name: 'uri',
        label: 'REST catalog URI',
        hint: 'For rest-sigv4: https://glue.<region>.amazonaws.com/iceberg or https://s3tables.<region>.amazonaws.com/iceberg',
        when: { field: 'catalogType', in: REST },
      },
      {
        name: 'warehouse',
        label: 'Warehouse',
        hint: 'e.g. s3://bucket/ or a warehouse name; for Glue the account id, for S3 Tables the table bucket’s ARN',
        when: { field: 'catalogType', in: REST },
      },
      {
        name: 'credential',
        label: 'Credential reference (optional)',
        hint: SECRET_HINT,
        when: { field: 'catalogType', in: ['rest'] },
      },
      { name: 'clientId', label: 'OAuth2 client id', when: { field: 'catalogType', in: ['rest-oauth2'] } },
      {
        name: 'clientSecret',
        label: 'OAuth2 client secret reference',
        hint: SECRET_HINT,
        when: { field: 'catalogType', in: ['rest-oauth2'] },
      },
      {
        name: 'scope',
        label: 'OAuth2 scope (optional)',
        hint: 'Default PRINCIPAL_ROLE:ALL; e.g. PRINCIPAL_ROLE:<role> for Polaris or Snowflake Open Catalog, space-separated',
        when: { field: 'catalogType', in: ['rest-oauth2'] },
      },
      {
        name: 'tokenUri',
        label: 'Token endpoint (optional)',
        hint: 'When not the catalog’s own <uri>/v1/oauth/tokens',
        when: { field: 'catalogType', in: ['rest-oauth2'] },
      },
      { name: 'region', label: 'Region', when: { field: 'catalogType', in: ['glue', 'rest-sigv4'] } },
      {
        name: 'signingName',
        label: 'SigV4 signing name',
        options: ['glue', 's3tables'],
        hint: 'glue for the Glue Iceberg REST endpoint, s3tables for S3 Tables',
        when: { field: 'catalogType', in: ['rest-sigv4'] },
      },
      {
        name: 'catalogId',
        label: 'Catalog id (optional)',
        hint: 'The AWS account id; defaults to the role’s',
        when: { field: 'catalogType', in: ['glue'] },
      },
    ],
  },
  'aws-role': {
    title: 'AWS role',
    fields: [
      {
        name: 'roleArn',
        label: 'Role ARN',
        hint: 'The role the agent assumes. Floe makes the external id for its trust policy when you save.',
      },
    ],
  },
};

export const DEFAULTS: Record<ConnectionType, Record<string, string>> = {
  kafka: { securityProtocol: 'SASL_SSL', saslMechanism: 'SCRAM-SHA-512' },
  'schema-registry': {},
  storage: {},
  catalog: { catalogType: 'rest', signingName: 'glue' },
  'aws-role': {},
};
