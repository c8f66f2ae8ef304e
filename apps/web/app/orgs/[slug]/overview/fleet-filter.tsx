'use client';

/** A name filter and a choice of rows, above one of the overview's tables. */
export function FleetFilter<C extends string>({
  of,
  text,
  onText,
  choice,
  choices,
  onChoice,
}: {
  of: string;
  text: string;
  onText: (text: string) => void;
  choice: C;
  choices: readonly C[];
  onChoice: (choice: C) => void;
}) {
  return (
    <div className="flex flex-wrap gap-3 text-sm">
      <label className="flex items-center gap-2">
        <span className="text-slate-400">Filter {of} by name</span>
        <input
          value={text}
          onChange={(e) => onText(e.target.value)}
          maxLength={100}
          className="rounded-md border border-slate-700 bg-slate-900 px-2 py-1"
        />
      </label>
      <label className="flex items-center gap-2">
        <span className="text-slate-400">Show {of}</span>
        <select
          value={choice}
          onChange={(e) => onChoice(e.target.value as C)}
          className="rounded-md border border-slate-700 bg-slate-900 px-2 py-1"
        >
          {choices.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

/** What an empty filtered table shows instead. */
export function NoMatch({ of }: { of: string }) {
  return (
    <p className="rounded-xl border border-dashed border-slate-700 p-6 text-sm text-slate-400">
      No {of} match this filter.
    </p>
  );
}
