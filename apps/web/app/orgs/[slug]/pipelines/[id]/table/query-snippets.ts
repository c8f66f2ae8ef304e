import type { RouterOutputs } from '@floe/api';

export type TableAccess = RouterOutputs['discovery']['tableAccess'];
export type Snippet = {
  engine: 'Spark' | 'Trino' | 'DuckDB' | 'pyiceberg' | 'Snowflake';
  language: string;
  code: string;
};

// "Query this table" for the engines people use, with the catalog's real settings. No secret is ever
// in one: a REST catalog's token is read from the reader's own ICEBERG_TOKEN, and S3 credentials come
// from the reader's usual AWS chain.

const ICEBERG = '1.7.1';

/** A table in a REST or Glue catalog: every engine below reads those. */
type NotHive = TableAccess & { catalog: Exclude<TableAccess['catalog'], { type: 'hive' }> };

export function querySnippets(access: TableAccess): Snippet[] {
  const qualified = [...access.namespace, access.name].join('.');
  const { catalog } = access;
  // DuckDB and Snowflake read no Hive Metastore, and pyiceberg's Hive catalog (0.12) loads tables with
  // a call Hive 4 no longer serves: only the engines that read this table are offered.
  if (catalog.type === 'hive') return [spark(access, qualified), trino(access, qualified)];
  const other: NotHive = { ...access, catalog };
  return [
    spark(other, qualified),
    trino(other, qualified),
    duckdb(other, qualified),
    pyiceberg(other, qualified),
    snowflake(other),
  ];
}

function spark(a: TableAccess, qualified: string): Snippet {
  const conf: [string, string][] =
    a.catalog.type === 'rest'
      ? [
          ['spark.sql.catalog.floe.type', 'rest'],
          ['spark.sql.catalog.floe.uri', a.catalog.uri],
          ['spark.sql.catalog.floe.warehouse', a.catalog.warehouse],
          ...(a.catalog.needsToken
            ? ([['spark.sql.catalog.floe.token', '$ICEBERG_TOKEN']] as [string, string][])
            : []),
        ]
      : a.catalog.type === 'hive'
        ? [
            ['spark.sql.catalog.floe.type', 'hive'],
            ['spark.sql.catalog.floe.uri', a.catalog.uri],
          ]
        : [
            ['spark.sql.catalog.floe.type', 'glue'],
            ['spark.sql.catalog.floe.client.region', a.catalog.region],
            ...(a.catalog.catalogId
              ? ([['spark.sql.catalog.floe.glue.id', a.catalog.catalogId]] as [string, string][])
              : []),
          ];
  const s3: [string, string][] = a.storage.endpoint
    ? [
        ['spark.sql.catalog.floe.s3.endpoint', a.storage.endpoint],
        ['spark.sql.catalog.floe.s3.path-style-access', 'true'],
      ]
    : [];
  const lines = [
    'spark-sql \\',
    `  --packages org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:${ICEBERG},org.apache.iceberg:iceberg-aws-bundle:${ICEBERG} \\`,
    '  --conf spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions \\',
    '  --conf spark.sql.catalog.floe=org.apache.iceberg.spark.SparkCatalog \\',
    ...[...conf, ['spark.sql.catalog.floe.io-impl', 'org.apache.iceberg.aws.s3.S3FileIO'], ...s3].map(
      ([k, v]) => `  --conf ${k}=${v} \\`,
    ),
    `  -e "SELECT * FROM floe.${qualified} LIMIT 10"`,
  ];
  return { engine: 'Spark', language: 'shell', code: lines.join('\n') };
}

function trino(a: TableAccess, qualified: string): Snippet {
  const catalog =
    a.catalog.type === 'rest'
      ? [
          'iceberg.catalog.type=rest',
          `iceberg.rest-catalog.uri=${a.catalog.uri}`,
          `iceberg.rest-catalog.warehouse=${a.catalog.warehouse}`,
          ...(a.catalog.needsToken
            ? [
                'iceberg.rest-catalog.security=OAUTH2',
                // Trino's own environment substitution, not a template.
                `iceberg.rest-catalog.oauth2.token=\${ENV:ICEBERG_TOKEN}`,
              ]
            : []),
        ]
      : a.catalog.type === 'hive'
        ? ['iceberg.catalog.type=hive_metastore', `hive.metastore.uri=${a.catalog.uri}`]
        : [
            'iceberg.catalog.type=glue',
            `hive.metastore.glue.region=${a.catalog.region}`,
            ...(a.catalog.catalogId ? [`hive.metastore.glue.catalogid=${a.catalog.catalogId}`] : []),
          ];
  const lines = [
    '# etc/catalog/floe.properties',
    'connector.name=iceberg',
    ...catalog,
    'fs.native-s3.enabled=true',
    `s3.region=${a.storage.region}`,
    ...(a.storage.endpoint ? [`s3.endpoint=${a.storage.endpoint}`, 's3.path-style-access=true'] : []),
    '',
    `-- then: SELECT * FROM floe.${qualified} LIMIT 10;`,
  ];
  return { engine: 'Trino', language: 'properties', code: lines.join('\n') };
}

function duckdb(a: NotHive, qualified: string): Snippet {
  const endpoint = a.storage.endpoint ? new URL(a.storage.endpoint) : null;
  const s3 = [
    'TYPE s3',
    'PROVIDER credential_chain',
    `REGION '${a.storage.region}'`,
    ...(endpoint
      ? [`ENDPOINT '${endpoint.host}'`, "URL_STYLE 'path'", `USE_SSL ${endpoint.protocol === 'https:'}`]
      : []),
  ];
  const attach =
    a.catalog.type === 'rest'
      ? `ATTACH '${a.catalog.warehouse}' AS floe (TYPE iceberg, ENDPOINT '${a.catalog.uri}'${a.catalog.needsToken ? ', SECRET iceberg_token' : ", AUTHORIZATION_TYPE 'none'"});`
      : `ATTACH '${a.catalog.catalogId ?? '<your AWS account id>'}' AS floe (TYPE iceberg, ENDPOINT_TYPE 'glue');`;
  const lines = [
    'INSTALL iceberg; LOAD iceberg; INSTALL httpfs; LOAD httpfs; INSTALL aws; LOAD aws;',
    `CREATE SECRET (${s3.join(', ')});`,
    ...(a.catalog.type === 'rest' && a.catalog.needsToken
      ? ["CREATE SECRET iceberg_token (TYPE iceberg, TOKEN getenv('ICEBERG_TOKEN'));"]
      : []),
    attach,
    `SELECT * FROM floe.${qualified} LIMIT 10;`,
  ];
  return { engine: 'DuckDB', language: 'sql', code: lines.join('\n') };
}

function pyiceberg(a: NotHive, qualified: string): Snippet {
  const props: [string, string][] =
    a.catalog.type === 'rest'
      ? [
          ['type', '"rest"'],
          ['uri', JSON.stringify(a.catalog.uri)],
          ['warehouse', JSON.stringify(a.catalog.warehouse)],
          ...(a.catalog.needsToken ? ([['token', 'os.environ["ICEBERG_TOKEN"]']] as [string, string][]) : []),
        ]
      : [
          ['type', '"glue"'],
          ['glue.region', JSON.stringify(a.catalog.region)],
          ...(a.catalog.catalogId
            ? ([['glue.id', JSON.stringify(a.catalog.catalogId)]] as [string, string][])
            : []),
        ];
  const s3: [string, string][] = [
    ['s3.region', JSON.stringify(a.storage.region)],
    ...(a.storage.endpoint
      ? ([['s3.endpoint', JSON.stringify(a.storage.endpoint)]] as [string, string][])
      : []),
  ];
  const lines = [
    'import os',
    'from pyiceberg.catalog import load_catalog',
    '',
    'catalog = load_catalog(',
    '    "floe",',
    '    **{',
    ...[...props, ...s3].map(([k, v]) => `        "${k}": ${v},`),
    '    },',
    ')',
    `table = catalog.load_table(${JSON.stringify(qualified)})`,
    'print(table.scan(limit=10).to_arrow())',
  ];
  return { engine: 'pyiceberg', language: 'python', code: lines.join('\n') };
}

// Snowflake reads the table through a catalog integration and an external volume. It cannot read a
// token from the environment: the Snowflake CLI puts it in (&{ ... } is its client-side variable), and
// the IAM roles Snowflake assumes are the reader's own, shown as placeholders. Table and namespace
// names are lowercase letters, digits and _ (the pipeline spec's rule): bare identifiers in Snowflake.
function snowflake(a: NotHive): Snippet {
  const namespace = a.namespace.join('.');
  const integration =
    a.catalog.type === 'rest'
      ? [
          'CATALOG_SOURCE = ICEBERG_REST',
          'TABLE_FORMAT = ICEBERG',
          `CATALOG_NAMESPACE = '${namespace}'`,
          `REST_CONFIG = (CATALOG_URI = '${a.catalog.uri}' CATALOG_NAME = '${a.catalog.warehouse}')`,
          ...(a.catalog.needsToken
            ? ["REST_AUTHENTICATION = (TYPE = BEARER BEARER_TOKEN = '&{ iceberg_token }')"]
            : []),
        ]
      : [
          'CATALOG_SOURCE = GLUE',
          'TABLE_FORMAT = ICEBERG',
          "GLUE_AWS_ROLE_ARN = '<an IAM role Snowflake assumes to read Glue>'",
          `GLUE_CATALOG_ID = '${a.catalog.catalogId ?? '<your AWS account id>'}'`,
          `GLUE_REGION = '${a.catalog.region}'`,
          `CATALOG_NAMESPACE = '${namespace}'`,
        ];
  const endpoint = a.storage.endpoint ? new URL(a.storage.endpoint) : null;
  const location = endpoint
    ? [
        "STORAGE_PROVIDER = 'S3COMPAT'",
        `STORAGE_BASE_URL = 's3compat://${a.storage.bucket}/'`,
        `STORAGE_ENDPOINT = '${endpoint.host}'`,
        "CREDENTIALS = (AWS_KEY_ID = '<key id>' AWS_SECRET_KEY = '<secret key>')",
      ]
    : [
        "STORAGE_PROVIDER = 'S3'",
        `STORAGE_BASE_URL = 's3://${a.storage.bucket}/'`,
        `STORAGE_AWS_ROLE_ARN = '<an IAM role Snowflake assumes to read s3://${a.storage.bucket}>'`,
      ];
  const lines = [
    ...(a.catalog.type === 'rest' && a.catalog.needsToken
      ? ['-- snow sql -f floe.sql -D "iceberg_token=$ICEBERG_TOKEN"']
      : ['-- snow sql -f floe.sql']),
    'CREATE CATALOG INTEGRATION IF NOT EXISTS floe_catalog',
    ...integration.map((l) => `  ${l}`),
    '  ENABLED = TRUE;',
    'CREATE EXTERNAL VOLUME IF NOT EXISTS floe_volume',
    "  STORAGE_LOCATIONS = ((NAME = 'floe'",
    ...location.map((l) => `    ${l}`),
    '  ));',
    `CREATE ICEBERG TABLE IF NOT EXISTS ${a.name}`,
    "  EXTERNAL_VOLUME = 'floe_volume'",
    "  CATALOG = 'floe_catalog'",
    `  CATALOG_NAMESPACE = '${namespace}'`,
    `  CATALOG_TABLE_NAME = '${a.name}'`,
    '  AUTO_REFRESH = TRUE;',
    `SELECT * FROM ${a.name} LIMIT 10;`,
  ];
  return { engine: 'Snowflake', language: 'sql', code: lines.join('\n') };
}
