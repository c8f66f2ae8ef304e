import { z } from 'zod';
import { catalogSchema, kafkaSourceSchema, schemaRegistrySchema, storageSchema } from './pipeline-spec';

export const awsRoleSchema = z.object({
  roleArn: z
    .string()
    .regex(
      /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
      'an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
    ),
  // Made by Floe, never chosen by the user: it proves the AssumeRole call comes from this organization.
  externalId: z.string().min(16),
});

/** A connection to something in the customer's account, as an agent needs it to connect. */
export const connectionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('kafka'), kafka: kafkaSourceSchema.omit({ topics: true, startFrom: true }) }),
  z.object({ type: z.literal('schema-registry'), registry: schemaRegistrySchema }),
  z.object({ type: z.literal('storage'), storage: storageSchema.omit({ roleArn: true, externalId: true }) }),
  z.object({ type: z.literal('catalog'), catalog: catalogSchema }),
  z.object({ type: z.literal('aws-role'), role: awsRoleSchema }),
]);

export type Connection = z.infer<typeof connectionSchema>;
export type ConnectionType = Connection['type'];
