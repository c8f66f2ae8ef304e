'use client';

import { useRouter } from 'next/navigation';

export function OrgSwitcher({ current, orgs }: { current: string; orgs: { slug: string; name: string }[] }) {
  const router = useRouter();
  return (
    <label className="flex items-center gap-2 text-sm text-slate-400">
      <span className="sr-only">Organization</span>
      <select
        value={current}
        onChange={(event) => router.push(`/orgs/${event.target.value}`)}
        className="rounded-lg border border-slate-700 bg-slate-900 px-2 py-1 text-slate-100 focus:border-sky-400 focus:outline-none"
      >
        {orgs.map((org) => (
          <option key={org.slug} value={org.slug}>
            {org.name}
          </option>
        ))}
      </select>
    </label>
  );
}
