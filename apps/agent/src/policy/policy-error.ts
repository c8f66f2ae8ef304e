/**
 * A job (or a part of one) that the agent's own policy does not allow. The message names what was
 * refused and the rule that refused it, e.g. `policy: kafka host evil:9092 is not in
 * policy.kafka.bootstrapHosts`; it is what the control plane shows as the job's error.
 */
export class PolicyError extends Error {
  override name = 'PolicyViolation';
}
