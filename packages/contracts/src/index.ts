export { freshnessBadgeSvg } from './badge';
export { toDbtSourcesYaml } from './dbt';
export { completeUpToMs, type FreshnessInput, freshnessSeconds, type PartitionProgress } from './freshness';
export { type Contract, type ContractedTable, type ContractInput, contractSchema } from './model';
export { toOdcsYaml } from './odcs';
