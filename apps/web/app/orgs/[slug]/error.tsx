'use client';

/** A page of the organization failed: say so, offer a retry, never show a stack trace. */
export default function OrgError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div
      role="alert"
      className="flex flex-col items-start gap-3 rounded-xl border border-rose-500/40 bg-rose-500/10 p-6"
    >
      <h1 className="text-lg font-semibold">This page could not load</h1>
      <p className="text-sm text-slate-300">
        Floe could not reach what this page needs. Try again; if it keeps failing, the control plane's logs
        have the details{error.digest ? ` (reference ${error.digest})` : ''}.
      </p>
      <button
        type="button"
        onClick={reset}
        className="rounded-lg border border-slate-600 px-3 py-1.5 text-sm hover:border-slate-400"
      >
        Try again
      </button>
    </div>
  );
}
