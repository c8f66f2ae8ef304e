export { type AgentPolicy, type AgentPolicyInput, agentPolicySchema } from './agent-policy';
export { awsRoleSchema, type Connection, type ConnectionType, connectionSchema } from './connection';
export {
  decodeJobEnvelope,
  encodeJobEnvelope,
  IncompatibleJobError,
  type JobEnvelope,
  jobEnvelopeSchema,
  PROTOCOL_VERSION,
} from './envelope';
export { type AgentEvent, agentEventBatchSchema, agentEventSchema, partitionProgressSchema } from './events';
export { connectionTakesRole, type Job, type JobKind, jobProtocolVersion, jobSchema } from './jobs';
export {
  catalogSchema,
  formatSchema,
  kafkaSourceSchema,
  type PipelineSpec,
  type PipelineSpecInput,
  partitionFieldSchema,
  pipelineSpecSchema,
  schemaRegistrySchema,
  storageSchema,
  timestampFieldSchema,
} from './pipeline-spec';
export { AGENT_ID_PATTERN, agentKeyPattern, agentQueueName, assertAgentId, QUEUE_PREFIX } from './queues';
export {
  formatSecretRef,
  looksLikeRawSecret,
  parseSecretRef,
  type SecretRef,
  secretRefSchema,
} from './secret-ref';
