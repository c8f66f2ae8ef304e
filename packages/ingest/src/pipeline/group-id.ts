/** The Kafka consumer group a pipeline's members share (its offsets are for lag tools and for a restart's first fetch). */
export function pipelineGroupId(pipelineId: string): string {
  return `floe-pipeline-${pipelineId}`;
}
