/** Shown while an organization page loads its data. */
export default function Loading() {
  return (
    <div role="status" aria-live="polite" className="flex flex-col gap-4">
      <div className="h-8 w-64 animate-pulse rounded bg-slate-800" />
      <div className="h-4 w-96 animate-pulse rounded bg-slate-800/70" />
      <div className="h-40 animate-pulse rounded-xl bg-slate-900" />
      <span className="sr-only">Loading…</span>
    </div>
  );
}
