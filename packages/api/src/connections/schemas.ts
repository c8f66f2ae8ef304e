// The connection forms: flat fields as people type them, checked by converting them to the
// protocol's connection shape, so each rule lives once (in @floe/protocol) and every error
// lands on the field it is about. No server-only imports: the browser uses this too.
import { type Connection, connectionSchema, parseSecretRef } from '@floe/protocol';
import { z } from 'zod';

// Addresses, names and secret references are short; a bound keeps a request from being a novel.
const text = z.string().trim().max(2000, 'at most 2000 characters');
const optional = text.optional().transform((v) => (v ? v : undefined));
const name = text.min(2, 'at least 2 characters').max(60, 'at most 60 characters');

export const connectionFormSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('kafka'),
    name,
    bootstrapServers: text.min(1, 'enter at least one broker as host:port'),
    securityProtocol: z.enum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']),
    saslMechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'AWS_MSK_IAM']).optional(),
    saslUsername: optional,
    saslPassword: optional,
    saslRegion: optional,
    tlsCa: optional,
    tlsClientCert: optional,
    tlsClientKey: optional,
  }),
  z.object({ type: z.literal('schema-registry'), name, url: text, username: optional, password: optional }),
  z.object({
    type: z.literal('storage'),
    name,
    bucket: text,
    region: text,
    endpoint: optional,
    prefix: optional,
  }),
  z.object({
    type: z.literal('catalog'),
    name,
    // REST with a bearer token (or none), with OAuth2 client credentials, signed with SigV4; Glue; Hive.
    catalogType: z.enum(['rest', 'rest-oauth2', 'rest-sigv4', 'glue', 'hive']),
    uri: optional,
    warehouse: optional,
    credential: optional,
    clientId: optional,
    clientSecret: optional,
    scope: optional,
    tokenUri: optional,
    signingName: optional,
    region: optional,
    catalogId: optional,
  }),
  z.object({ type: z.literal('aws-role'), name, roleArn: text }),
]);

export type ConnectionForm = z.output<typeof connectionFormSchema>;
export type ConnectionFormInput = z.input<typeof connectionFormSchema>;
export type ConnectionType = ConnectionForm['type'];

type Issue = { field: string; message: string };

/** Reads a secret reference field, or records why it cannot. */
function secretRef(value: string | undefined, field: string, issues: Issue[]) {
  if (!value) return undefined;
  try {
    return parseSecretRef(value);
  } catch (error) {
    issues.push({ field, message: (error as Error).message });
    return undefined;
  }
}

// The form's TLS reference fields, by the protocol's name for each.
const TLS_FIELDS = { ca: 'tlsCa', clientCert: 'tlsClientCert', clientKey: 'tlsClientKey' } as const;

// Where each nested protocol path is typed in the form.
const FIELD_OF: Record<ConnectionType, (path: PropertyKey[]) => string> = {
  kafka: (p) => {
    if (p[1] === 'bootstrapServers') return 'bootstrapServers';
    if (p[2] === 'sasl')
      return p[3] === 'username' ? 'saslUsername' : p[3] === 'region' ? 'saslRegion' : 'saslMechanism';
    if (p[2] === 'tls' && typeof p[3] === 'string') return TLS_FIELDS[p[3] as keyof typeof TLS_FIELDS];
    return 'securityProtocol';
  },
  'schema-registry': (p) => String(p[1]),
  storage: (p) => String(p[1]),
  catalog: (p) => {
    const field = p[1] === 'auth' ? p[2] : p[1];
    return field === 'type' || field === undefined ? 'catalogType' : String(field);
  },
  'aws-role': (p) => String(p[1]),
};

/**
 * The protocol connection for a filled-in form, or the issues per form field. An AWS role's
 * external id is Floe's to make, so the caller passes it in.
 */
export function toConnection(
  form: ConnectionForm,
  externalId: string,
): { connection?: Connection; issues: Issue[] } {
  const issues: Issue[] = [];
  let candidate: unknown;
  switch (form.type) {
    case 'kafka': {
      const { securityProtocol: protocol, saslMechanism: mechanism } = form;
      const msk = mechanism === 'AWS_MSK_IAM';
      let sasl: unknown;
      if (protocol.startsWith('SASL') && msk) sasl = { mechanism, region: form.saslRegion };
      else if (protocol.startsWith('SASL')) {
        const password = secretRef(form.saslPassword, 'saslPassword', issues);
        if (!form.saslPassword)
          issues.push({ field: 'saslPassword', message: 'SASL needs a password reference' });
        sasl = { mechanism, username: form.saslUsername, password };
      }
      const tls = protocol.endsWith('SSL')
        ? Object.fromEntries(
            Object.entries(TLS_FIELDS).flatMap(([key, field]) => {
              const ref = secretRef(form[field], field, issues);
              return ref === undefined ? [] : [[key, ref]];
            }),
          )
        : {};
      candidate = {
        type: 'kafka',
        kafka: {
          bootstrapServers: form.bootstrapServers.split(/[\s,]+/).filter(Boolean),
          security: { protocol, sasl, ...(Object.keys(tls).length > 0 && { tls }) },
        },
      };
      break;
    }
    case 'schema-registry':
      candidate = {
        type: 'schema-registry',
        registry: {
          url: form.url,
          username: form.username,
          password: secretRef(form.password, 'password', issues),
        },
      };
      break;
    case 'storage':
      candidate = {
        type: 'storage',
        storage: {
          bucket: form.bucket,
          region: form.region,
          endpoint: form.endpoint,
          prefix: form.prefix ?? '',
        },
      };
      break;
    case 'catalog': {
      const { catalogType } = form;
      const auth =
        catalogType === 'rest-oauth2'
          ? {
              type: 'oauth2',
              clientId: form.clientId,
              clientSecret: secretRef(form.clientSecret, 'clientSecret', issues),
              scope: form.scope,
              tokenUri: form.tokenUri,
            }
          : catalogType === 'rest-sigv4'
            ? { type: 'sigv4', region: form.region, signingName: form.signingName }
            : undefined;
      candidate = {
        type: 'catalog',
        catalog:
          catalogType === 'glue'
            ? { type: 'glue', region: form.region, catalogId: form.catalogId }
            : catalogType === 'hive'
              ? { type: 'hive', uri: form.uri }
              : {
                  type: 'rest',
                  uri: form.uri,
                  warehouse: form.warehouse,
                  ...(catalogType === 'rest' && {
                    credential: secretRef(form.credential, 'credential', issues),
                  }),
                  ...(auth !== undefined && { auth }),
                },
      };
      break;
    }
    case 'aws-role':
      candidate = { type: 'aws-role', role: { roleArn: form.roleArn, externalId } };
      break;
  }
  const parsed = connectionSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const message = issue.code === 'invalid_type' && issue.input === undefined ? 'required' : issue.message;
      issues.push({ field: FIELD_OF[form.type](issue.path), message });
    }
  }
  return issues.length === 0 && parsed.success ? { connection: parsed.data, issues } : { issues };
}

/** The form schema with the conversion's verdict attached to the fields (for react-hook-form and tRPC alike). */
export const checkedConnectionFormSchema = connectionFormSchema.superRefine((form, ctx) => {
  for (const { field, message } of toConnection(form, 'x'.repeat(16)).issues) {
    ctx.addIssue({ code: 'custom', path: [field], message });
  }
});
