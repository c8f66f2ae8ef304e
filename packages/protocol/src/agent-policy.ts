import { z } from 'zod';

/**
 * The agent's own policy: what the customer lets their agent reach, set at install (a file, which the
 * Helm chart renders from its values). The control plane cannot widen it: every job is checked
 * against it before the agent opens a connection or resolves a secret. Anything not listed is
 * refused, so an empty policy allows nothing. The control plane may use this schema to propose a
 * policy from an organization's connections for the customer to review.
 */

// `host:port`, or `*.domain:port` for every host under a domain. Ports are always explicit.
const hostPattern = z
  .string()
  .regex(/^(\*\.)?[\w-]+(\.[\w-]+)*:\d{1,5}$/, 'host:port, or *.domain:port for every host under a domain');

// An http(s) URL without credentials, query or fragment: it allows itself and every path below it.
const urlPrefix = z.url().refine(
  (value) => {
    const url = new URL(value);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.username === '' &&
      url.password === '' &&
      url.search === '' &&
      url.hash === ''
    );
  },
  { message: 'an http(s) URL with no user, password, query or fragment' },
);

// An ARN where `*` stands for any run of characters (as in IAM policies).
const arnPattern = (service: string, example: string) =>
  z
    .string()
    .regex(new RegExp(`^arn:(aws[\\w-]*|\\*):${service}:`), `an ARN pattern like ${example} (* for any run)`);

const absoluteFolder = z
  .string()
  .regex(/^\/.*[^/]/, 'an absolute folder other than /, like /var/run/secrets/floe')
  .refine((path) => !path.split('/').some((part) => part === '..' || part === '.'), {
    message: 'a folder without . or .. in it',
  });

const list = <T extends z.ZodType>(item: T) => z.array(item).default([]);

export const agentPolicySchema = z.strictObject({
  kafka: z
    .strictObject({
      /** Brokers the agent may bootstrap from (the cluster's own advertised brokers follow from these). */
      bootstrapHosts: list(hostPattern),
    })
    .default({ bootstrapHosts: [] }),
  schemaRegistry: z.strictObject({ urls: list(urlPrefix) }).default({ urls: [] }),
  catalog: z
    .strictObject({
      /** Iceberg REST catalog URIs. */
      restUris: list(urlPrefix),
      /** Glue catalogs by region and catalog id; an entry without catalogId allows the default catalog. */
      glue: list(
        z.strictObject({
          region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region, like eu-west-1'),
          catalogId: z
            .string()
            .regex(/^\d{12}$/, 'a 12-digit account id')
            .optional(),
        }),
      ),
      /** Hive Metastores' Thrift endpoints, as host:port or *.domain:port (a catalog's thrift://host:port). */
      hiveMetastores: list(hostPattern),
    })
    .default({ restUris: [], glue: [], hiveMetastores: [] }),
  storage: z
    .strictObject({
      /**
       * Where table files may go: a bucket at an endpoint (none: AWS's own S3 for the region; bucket
       * names are global there, so a bucket is always bound to its endpoint), and a key prefix that
       * the table's storage prefix must equal or lie under ("" for the whole bucket).
       */
      locations: list(
        z.strictObject({
          bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
          prefix: z
            .string()
            .default('')
            .refine((p) => !p.split('/').some((part) => part === '..' || part === '.'), {
              message: 'a key prefix without . or .. segments',
            }),
          endpoint: urlPrefix.optional(),
        }),
      ),
    })
    .default({ locations: [] }),
  aws: z
    .strictObject({
      /** Roles the agent may assume (for storage and Glue), like arn:aws:iam::123456789012:role/floe-*. */
      roleArns: list(arnPattern('iam', 'arn:aws:iam::123456789012:role/floe-*')),
    })
    .default({ roleArns: [] }),
  secrets: z
    .strictObject({
      /** Environment variables whose name starts with one of these, like FLOE_SECRET_. */
      envPrefixes: list(z.string().regex(/^[A-Z_][A-Z0-9_]+$/, 'an environment variable name prefix')),
      /** Files inside one of these folders (after symbolic links are followed). */
      fileFolders: list(absoluteFolder),
      /** Secrets Manager secrets whose ARN matches one of these. */
      secretsManagerArns: list(
        arnPattern('secretsmanager', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:floe/*'),
      ),
    })
    .default({ envPrefixes: [], fileFolders: [], secretsManagerArns: [] }),
});

export type AgentPolicy = z.infer<typeof agentPolicySchema>;
export type AgentPolicyInput = z.input<typeof agentPolicySchema>;
