export {
  decodeJobEnvelope,
  IncompatibleJobError,
  type JobEnvelope,
  jobEnvelopeSchema,
  PROTOCOL_VERSION,
} from './envelope';
export { AGENT_ID_PATTERN, agentKeyPattern, agentQueueName, assertAgentId, QUEUE_PREFIX } from './queues';
