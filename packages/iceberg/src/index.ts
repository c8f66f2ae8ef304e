// Iceberg in TypeScript: spec data types, transforms, data files, manifests, appends, FileIO and
// catalogs. Knows nothing of Kafka.

export type { Catalog, CreateTableRequest, LoadedTable, Namespace, TableIdentifier } from './catalog/catalog';
export { tableName } from './catalog/catalog';
export {
  AlreadyExistsError,
  CatalogError,
  CommitFailedError,
  CommitStateUnknownError,
  NamespaceNotEmptyError,
  NoSuchNamespaceError,
  NoSuchTableError,
} from './catalog/errors';
export { GlueCatalog, type GlueCatalogOptions } from './catalog/glue/glue-catalog';
export { HiveCatalog, type HiveCatalogOptions, parseThriftUri } from './catalog/hive/hive-catalog';
export {
  DEFAULT_OAUTH2_SCOPE,
  type OAuth2ClientCredentials,
  OAuth2TokenSource,
  type OAuth2TokenSourceOptions,
} from './catalog/rest/oauth2';
export { RestCatalog, type RestCatalogOptions } from './catalog/rest/rest-catalog';
export type { SigV4Signing } from './catalog/rest/sigv4-signing';
export type { TableRequirement, TableUpdate } from './catalog/table-commit';
export type { FileDeletionFailure } from './io/delete-files';
export { type FileInfo, type FileIO, FileIOError, FileNotFoundError } from './io/file-io';
export { LocalFileIO } from './io/local-file-io';
export { parseS3Location, S3FileIO, type S3FileIOOptions } from './io/s3-file-io';
export { type CompactionResult, compactTable, runCompaction } from './maintenance/compact';
export {
  type CompactionGroup,
  type CompactionOptions,
  type CompactionPlan,
  DEFAULT_DELETE_RATIO,
  planCompaction,
} from './maintenance/compaction-plan';
export {
  type ExpireSnapshotsOptions,
  type ExpireSnapshotsResult,
  expireSnapshots,
} from './maintenance/expire';
export { asFolder, isWithin, normalizeLocation, tableFolders } from './maintenance/locations';
export {
  type RemoveOrphanFilesOptions,
  type RemoveOrphanFilesResult,
  removeOrphanFiles,
} from './maintenance/orphans';
export { type OverlappingTable, overlappingTables } from './maintenance/overlapping-tables';
export {
  DEFAULT_MANIFEST_TARGET_SIZE,
  MANIFEST_TARGET_SIZE_PROPERTY,
  type RewriteManifestsOptions,
  type RewriteManifestsResult,
  rewriteManifests,
} from './maintenance/rewrite-manifests';
export { batchRows } from './reader/arrow-rows';
export { type DeletedPositions, readPositionDeletes } from './reader/delete-files';
export { type LiveFile, liveDataFiles, liveFiles } from './reader/live-files';
export { parquetBatches, readDataFile, readDataFileRows } from './reader/read-data-file';
export { bigintLong } from './spec/avro/container';
export {
  type DataFile,
  type ManifestEntry,
  ManifestEntryStatus,
  readManifest,
  writeManifest,
} from './spec/manifest';
export {
  type FieldSummary,
  type ManifestFile,
  partitionSummaries,
  readManifestList,
  writeManifestList,
} from './spec/manifest-list';
export {
  FIRST_PARTITION_FIELD_ID,
  lastPartitionId,
  type PartitionField,
  type PartitionSpec,
  PartitionSpecBuilder,
  partitionPath,
  partitionSpecFromJson,
  partitionSpecToJson,
  partitionType,
  partitionValues,
  UNPARTITIONED,
} from './spec/partition-spec';
export {
  assignFreshTypeIds,
  type FieldPath,
  findField,
  highestFieldId,
  indexById,
  namesById,
  newSchema,
  requireField,
  type Schema,
  schemaFromJson,
  schemaToJson,
  typeFromJson,
  typeToJson,
} from './spec/schema';
export {
  IncompatibleSchemaChangeError,
  SchemaUpdate,
  type SchemaUpdateResult,
} from './spec/schema-evolution';
export { decimalFromBytes, decimalToBytes, fromBinary, toBinary } from './spec/single-value';
export {
  ancestors,
  currentSchema,
  currentSnapshot,
  defaultSpec,
  type PartitionStatisticsFile,
  parseTableMetadata,
  type Snapshot,
  type SnapshotRef,
  type SortOrder,
  type StatisticsFile,
  stringifyTableMetadata,
  type TableMetadata,
  tableMetadataFromJson,
  tableMetadataToJson,
  UNSORTED,
} from './spec/table-metadata';
export {
  type DecimalType,
  type FixedType,
  type IcebergType,
  isPrimitive,
  type ListType,
  MAX_DECIMAL_PRECISION,
  type MapType,
  type NestedField,
  optional,
  type PrimitiveType,
  parsePrimitive,
  primitivesEqual,
  primitiveToString,
  required,
  type StructType,
  T,
} from './spec/types';
export { type IcebergValue, parseDecimal, uuidFromBytes, uuidToBytes } from './spec/values';
export { addPartitionSpec, type PartitionFieldRequest } from './transaction/add-spec';
export {
  type AppendOptions,
  type AppendResult,
  FastAppend,
  type SummaryProperties,
} from './transaction/append';
export { branchHead, MAIN_BRANCH } from './transaction/branch';
export {
  type Committed,
  commitChange,
  type TableChange,
  type TableCommit,
} from './transaction/commit-loop';
export { type PropertyChanges, updateTableProperties } from './transaction/properties';
export {
  type BranchOptions,
  type RefOptions,
  removeRef,
  rollbackBranch,
  setBranch,
  setTag,
  type TagOptions,
} from './transaction/refs';
export {
  ReplaceFiles,
  type ReplaceOptions,
  type ReplaceResult,
  RewriteConflictError,
} from './transaction/replace';
export { type RetryOptions, retrying } from './transaction/retry';
export {
  RowDelta,
  RowDeltaConflictError,
  type RowDeltaOptions,
  type RowDeltaResult,
} from './transaction/row-delta';
export type { SnapshotOptions, SnapshotResult } from './transaction/snapshot-producer';
export { type SummaryTotals, summaryTotals } from './transaction/snapshot-summary';
export {
  ConcurrentSchemaChangeError,
  UpdateSchema,
  type UpdateSchemaOptions,
} from './transaction/update-schema';
export { committedSince, type OwnChanges, ownChanges } from './transaction/validate';
export { applyTransform } from './transform/apply';
export { bucketHash } from './transform/bucket';
export { toHumanString } from './transform/human';
export {
  canTransform,
  parseTransform,
  resultType,
  type Transform,
  Transforms,
  transformToString,
} from './transform/transform';
export { parseJson, stringifyJson } from './util/json';
export {
  type SigV4Credentials,
  type SigV4Scope,
  sha256Hex,
  sigv4Headers,
  sigv4PresignedUrl,
} from './util/sigv4';
export { arrowSchema, arrowType, FIELD_ID_KEY } from './writer/arrow-schema';
export { buildersToArrow, ColumnBuilder, Utf8Bytes } from './writer/column-builder';
export { type DataFileTarget, storeDataFile } from './writer/data-file';
export { type ColumnMetrics, columnMetrics } from './writer/metrics';
export {
  type ParquetCompression,
  type ParquetFileMetrics,
  type ParquetWriteOptions,
  type WrittenParquet,
  writeParquetFile,
} from './writer/parquet-writer';
export { batchPartition, partitionRows } from './writer/partitioning';
export {
  POSITION_DELETE_SCHEMA,
  type PositionDeletes,
  writePositionDeleteFile,
} from './writer/position-delete-file';
export {
  DEFAULT_TARGET_FILE_SIZE,
  TARGET_FILE_SIZE_PROPERTY,
  targetFileSize,
} from './writer/rolling-writer';
export { columnsToArrow, type Row, rowsToArrow, ValueError } from './writer/rows-to-arrow';
export { TableWriter, type TableWriterOptions, type WrittenDeletes } from './writer/table-writer';
