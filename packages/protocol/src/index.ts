export {
  AGENT_API,
  AGENT_API_MAX_BODY_BYTES,
  type AgentApiEndpoint,
  type AgentTransport,
  API_TOKEN_PREFIX,
  agentApiErrorSchema,
  agentTransportSchema,
  CLAIM_WAIT_SECONDS,
  claimRequestSchema,
  claimResponseSchema,
  completeRequestSchema,
  type Enrollment,
  type EnrollmentFor,
  enrollmentSchema,
  enrollRequestSchema,
  eventsResponseSchema,
  failRequestSchema,
  HEARTBEAT_SECONDS,
  heartbeatRequestSchema,
  INSTALL_TOKEN_PREFIX,
  JOB_HEARTBEAT_SECONDS,
  JOB_LEASE_SECONDS,
  jobAckSchema,
  OFFLINE_AFTER_SECONDS,
} from './agent-api';
export { type AgentPolicy, type AgentPolicyInput, agentPolicySchema } from './agent-policy';
export { AGENT_RELEASE } from './agent-release';
export { awsRoleSchema, type Connection, type ConnectionType, connectionSchema } from './connection';
export {
  DISCOVERY_LIMITS,
  type DiscoveredField,
  type DiscoveredTopic,
  discoveredFieldSchema,
  discoveredTypeSchema,
  isReportableFieldName,
  type KafkaDescribeJob,
  type KafkaDescription,
  kafkaDescribeJobSchema,
  kafkaDescriptionSchema,
  type TopicSample,
  timestampHintSchema,
  topicSampleSchema,
} from './discovery';
export {
  decodeJobEnvelope,
  encodeJobEnvelope,
  IncompatibleJobError,
  type JobEnvelope,
  jobEnvelopeSchema,
  PROTOCOL_VERSION,
} from './envelope';
export { type AgentEvent, agentEventBatchSchema, agentEventSchema, partitionProgressSchema } from './events';
export {
  backfillIdSchema,
  connectionTakesRole,
  type Job,
  type JobKind,
  jobProtocolVersion,
  jobSchema,
  snapshotIdSchema,
  tagNameSchema,
} from './jobs';
export {
  backfillRefusal,
  CHANGE_DELETES,
  type ChangeDeletes,
  catalogSchema,
  changeDeletesSchema,
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
export {
  TABLE_DESCRIPTION_LIMITS,
  type TableDescription,
  type TableSnapshot,
  tableDescriptionSchema,
} from './table-description';
export {
  type ClaimedJob,
  type JobFailure,
  type JobLease,
  JobLeaseError,
  type JobResult,
  type JobTransport,
} from './transport';
