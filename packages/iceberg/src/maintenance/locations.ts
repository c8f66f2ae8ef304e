/**
 * One spelling per file: s3a:// and s3n:// are s3://, file:/x and file:///x are /x, and repeated
 * slashes inside the path are one (writers differ on all three).
 */
export function normalizeLocation(location: string): string {
  const local = /^file:(?:\/\/)?(\/.*)$/.exec(location);
  if (local) return (local[1] as string).replace(/\/{2,}/g, '/');
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(.*)$/i.exec(location);
  if (!match) return location.replace(/\/{2,}/g, '/');
  const [, scheme, authority, path] = match as unknown as [string, string, string, string];
  const canonical = ['s3a', 's3n'].includes(scheme.toLowerCase()) ? 's3' : scheme.toLowerCase();
  return `${canonical}://${authority}${path.replace(/\/{2,}/g, '/')}`;
}

/** A location as a folder: one spelling, ending in exactly one `/`. */
export function asFolder(location: string): string {
  return `${normalizeLocation(location).replace(/\/+$/, '')}/`;
}

/**
 * True when a location is the folder itself or inside it, by whole path segments: a table at
 * `.../sales/orders` never holds `.../sales/orders_x/...`.
 */
export function isWithin(location: string, folder: string): boolean {
  const inner = normalizeLocation(location);
  const outer = asFolder(folder);
  return inner.startsWith(outer) || asFolder(inner) === outer;
}

/** Where the table writes its own files: its location and the write paths its properties set. */
export function tableFolders(metadata: { location: string; properties: Record<string, string> }): string[] {
  const { properties } = metadata;
  return [
    metadata.location,
    properties['write.data.path'],
    properties['write.metadata.path'],
    properties['write.object-storage.path'],
    properties['write.folder-storage.path'],
  ]
    .filter((p): p is string => p !== undefined && p !== '')
    .map(asFolder);
}

// A table's metadata file (`00001-<uuid>.metadata.json`, `v3.metadata.json`, compressed or not) or the
// version hint of a Hadoop-style table, in a `metadata/` folder.
const METADATA_FILE = /^(.*\/)metadata\/(?:[^/]*\.metadata\.json(?:\.gz)?|version-hint\.text)$/;

/**
 * The root folders of other Iceberg tables among files listed under a table's location: every folder
 * whose `metadata/` holds a table metadata file, except the table's own metadata folders. Their files
 * belong to those tables, whatever this table's metadata says.
 */
export function nestedTableRoots(files: Iterable<string>, ownMetadataFolders: readonly string[]): string[] {
  const own = new Set(ownMetadataFolders.map(asFolder));
  const roots = new Set<string>();
  for (const file of files) {
    const match = METADATA_FILE.exec(normalizeLocation(file));
    if (match === null) continue;
    const root = match[1] as string;
    if (!own.has(`${root}metadata/`)) roots.add(root);
  }
  return [...roots];
}
