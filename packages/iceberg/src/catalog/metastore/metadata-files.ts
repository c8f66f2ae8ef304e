import { randomUUID } from 'node:crypto';
import type { TableMetadata } from '../../spec/table-metadata';

const DEFAULT_PREVIOUS_VERSIONS_MAX = 100;

/**
 * Where the next metadata file goes: `<metadata dir>/<version>-<uuid>.metadata.json`, the version one
 * above the previous file's (00000 for the first), as the reference catalogs name them.
 */
export function newMetadataLocation(metadata: TableMetadata, previous: string | undefined): string {
  const dir = metadata.properties['write.metadata.path'] ?? `${metadata.location}/metadata`;
  const version = previous === undefined ? 0 : metadataVersion(previous) + 1;
  return `${dir.replace(/\/+$/, '')}/${String(version).padStart(5, '0')}-${randomUUID()}.metadata.json`;
}

/** The version number in a metadata file's name, -1 when it has none (another writer's naming). */
export function metadataVersion(location: string): number {
  const match = /\/(\d+)-[^/]*\.metadata\.json(?:\.gz)?$/.exec(location);
  return match ? Number(match[1]) : -1;
}

/**
 * `next` with the file `base` was read from added to its metadata log, which keeps the newest
 * write.metadata.previous-versions-max entries (100 by default).
 */
export function withPreviousMetadata(
  next: TableMetadata,
  base: TableMetadata,
  previous: string,
): TableMetadata {
  const configured = Number(next.properties['write.metadata.previous-versions-max']);
  const max = Number.isInteger(configured) && configured >= 1 ? configured : DEFAULT_PREVIOUS_VERSIONS_MAX;
  const log = [...next.metadataLog, { metadataFile: previous, timestampMs: base.lastUpdatedMs }];
  return { ...next, metadataLog: log.slice(Math.max(0, log.length - max)) };
}
