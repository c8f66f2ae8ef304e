import type { ReactNode } from 'react';

/** The one table look of the control plane: a header row of labels, then rows separated by rules. */
export function DataTable({ columns, children }: { columns: string[]; children: ReactNode }) {
  return (
    <table className="w-full text-left text-sm">
      <thead className="text-slate-500">
        <tr>
          {columns.map((label, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: columns are fixed per table; empty labels repeat
            <th key={i} className="py-2 font-medium">
              {label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

export function Row({ children }: { children: ReactNode }) {
  return <tr className="border-t border-slate-800 align-top">{children}</tr>;
}
