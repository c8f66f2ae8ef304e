'use client';

import { keyFieldNames } from '@floe/api/pipeline-form';
import { type ChangeDeletes, type ChangesMode, type DiscoveredField, tablePreview } from '@floe/pure';

type Values = Record<string, string | undefined>;

/**
 * What the table will hold for the mode, key and deletes chosen: its columns (from the proposed schema
 * when there is one) with the identifier fields marked, and what each record does to a row. Made of
 * names and types only: no record value leaves the account, so there is no row to show.
 */
export function TablePreviewSection({ values, fields }: { values: Values; fields: DiscoveredField[] }) {
  const mode = (values.changesMode || 'append') as ChangesMode;
  const preview = tablePreview({
    mode,
    key: keyFieldNames(values.keyFields ?? ''),
    deletes: (values.changeDeletes || 'deletion-vectors') as ChangeDeletes,
    fields,
  });
  const table = [values.namespace, values.tableName].filter(Boolean).join('.') || 'the table';
  return (
    <section
      aria-labelledby="table-preview-title"
      className="flex flex-col gap-2 rounded-xl border border-slate-800 p-3 text-sm"
    >
      <h3 id="table-preview-title" className="font-medium text-slate-200">
        What {table} will hold
      </h3>
      <table className="text-left" aria-describedby="table-preview-rules">
        <caption className="pb-1 text-left text-slate-400">
          Columns of {table} in {mode} mode
          {fields.length === 0 ? ' (types from the first records: propose a schema to see them)' : ''}
        </caption>
        <thead className="text-slate-400">
          <tr>
            <th scope="col" className="py-1 pr-3 font-medium">
              Column
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              Type
            </th>
            <th scope="col" className="py-1 font-medium">
              Key
            </th>
          </tr>
        </thead>
        <tbody>
          {preview.columns.map((c) => (
            <tr key={c.name} className="border-t border-slate-800">
              <th scope="row" className="py-1 pr-3 font-mono font-normal">
                {c.name}
              </th>
              <td className="py-1 pr-3 font-mono">{c.type ?? 'from the first records'}</td>
              <td className="py-1">{c.identifier ? 'identifier field' : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ul id="table-preview-rules" aria-label="What records do" className="list-disc pl-5 text-slate-300">
        {preview.rules.map((rule) => (
          <li key={rule}>{rule}</li>
        ))}
      </ul>
      {preview.deletes ? (
        <p className="text-slate-400" data-testid="table-preview-deletes">
          Updated and deleted rows are marked with {preview.deletes}.
        </p>
      ) : null}
    </section>
  );
}
