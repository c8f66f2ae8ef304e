// Browser-safe pure logic: no I/O, no Node built-in, no other workspace. The web app's forms and the
// server both use it (scripts/lib/import-rules.mjs keeps it so).
export { type Cron, cronProblem, nextCronTime, parseCron } from './cron';
export {
  type ChangeDeletes,
  type ChangesMode,
  type PreviewColumn,
  type TablePreview,
  tablePreview,
} from './table-preview';
export {
  type DiscoveredField,
  partitionLayout,
  partitionTransforms,
  type StoreAs,
  storeAsChoices,
  type TimestampFormat,
  tableNamesFromTopic,
} from './table-proposal';
