export { type AlertDestinationInput, alertDestinationSchema } from './alert-destination';
export { freshnessBadgeSvg } from './badge';
export { describeChanges, type TableChanges } from './changes';
export { toDbtSourcesYaml } from './dbt';
export {
  applyReport,
  type CommitReport,
  freshnessByMinute,
  MINUTE_MS,
  type MinuteFreshness,
  type ReportedPartition,
  type TableProgress,
} from './evaluation';
export { completeUpToMs, type FreshnessInput, freshnessSeconds, type PartitionProgress } from './freshness';
export { type IncidentSpan, trackIncidents } from './incidents';
export {
  type Compliance,
  compliance,
  DAY_MS,
  type DayRecord,
  dailyCompliance,
  dayStartOf,
  recordMinutes,
} from './minute-history';
export { type Contract, type ContractedTable, type ContractInput, contractSchema } from './model';
export { toOdcsYaml } from './odcs';
