'use client';

import type { ReactNode } from 'react';
import type { Sort } from './fleet-order';
import { ago, utc } from './when';

/**
 * The control plane's table look with headers that sort: a click sorts by the column, a second click
 * reverses it. aria-sort tells screen readers (and tests) which column orders the rows.
 */
export function SortableTable<K extends string>({
  label,
  columns,
  sort,
  onSort,
  children,
}: {
  label: string;
  columns: { key: K; label: string }[];
  sort: Sort<K>;
  onSort: (sort: Sort<K>) => void;
  children: ReactNode;
}) {
  return (
    <table className="w-full text-left text-sm" aria-label={label}>
      <thead className="text-slate-500">
        <tr>
          {columns.map((c) => {
            const active = sort.key === c.key;
            return (
              <th key={c.key} className="py-2 font-medium" aria-sort={active ? sort.direction : 'none'}>
                <button
                  type="button"
                  className={`hover:text-sky-300 ${active ? 'text-slate-200' : ''}`}
                  onClick={() =>
                    onSort({
                      key: c.key,
                      direction: active && sort.direction === 'ascending' ? 'descending' : 'ascending',
                    })
                  }
                >
                  {c.label}
                  <span aria-hidden="true">
                    {active ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''}
                  </span>
                </button>
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/** A time as "4 min ago", the exact time on hover. */
export function WhenCell({ atMs, nowMs, none }: { atMs: number | null; nowMs: number; none: string }) {
  return (
    <td className="py-2 text-slate-300">
      {atMs === null ? none : <time title={utc(atMs)}>{ago(atMs, nowMs)}</time>}
    </td>
  );
}

/** A last error in words, cut to two lines, its time on hover. */
export function ErrorCell({ error }: { error: { atMs: number; text: string } | null }) {
  return (
    <td className="max-w-xs py-2 text-slate-300">
      {error === null ? (
        '—'
      ) : (
        <span title={utc(error.atMs)} className="line-clamp-2 break-words text-rose-300">
          {error.text}
        </span>
      )}
    </td>
  );
}
