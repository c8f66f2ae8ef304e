export { completeUpToMs, type FreshnessInput, freshnessSeconds, type PartitionProgress } from './freshness';
