/** A compaction's figures as the agent reported them (metadata only: counts, bytes, durations). */
export type Figures = Record<string, string | number | boolean>;

/** A compaction's two steps, each with what it did, or why it did not: on the pipeline page and the overview. */
export function compactionFigures(r: Figures): string {
  const n = (key: string) => (typeof r[key] === 'number' ? (r[key] as number).toLocaleString('en') : '?');
  const mb = (key: string) => (typeof r[key] === 'number' ? ((r[key] as number) / 1e6).toFixed(1) : '?');
  const tries = (key: string) =>
    typeof r[key] === 'number' && (r[key] as number) > 1 ? ` (planned ${r[key]} times)` : '';
  // Runs that applied deletes say so; those of tables without deletes (and of older agents) do not.
  const deletes =
    typeof r.deleteFilesBefore === 'number' && r.deleteFilesBefore > 0
      ? ` · ${n('deletedRowsRemoved')} deleted rows applied · ${n('deleteFilesBefore')} → ${n('deleteFilesAfter')} delete files`
      : '';
  const files =
    r.filesOutcome === 'failed'
      ? `data files not rewritten: ${r.filesError ?? 'failed'}`
      : `${n('filesBefore')} → ${n('filesAfter')} files · ${mb('bytesRewritten')} MB rewritten${deletes}${tries('filesPlans')}`;
  // Runs of older agents report no manifest step outcome.
  switch (r.manifestsOutcome) {
    case 'failed':
      return `${files} · manifests not rewritten: ${r.manifestsError ?? 'failed'}`;
    case 'rewritten':
      return `${files} · ${n('manifestsReplaced')} → ${n('manifestsCreated')} manifests${tries('manifestsPlans')}`;
    default:
      return files;
  }
}
