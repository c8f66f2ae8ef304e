import { TRPCError } from '@trpc/server';
import { notFound, redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { serverCaller } from '../../../src/server';
import { AccountMenu } from './account-menu';
import { OrgSwitcher } from './org-switcher';

export const dynamic = 'force-dynamic';

const TABS = [
  ['', 'Overview'],
  ['/pipelines', 'Pipelines'],
  ['/connections', 'Connections'],
  ['/agents', 'Agents'],
  ['/members', 'Members'],
  ['/audit', 'Audit log'],
] as const;

export default async function OrgLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ slug: string }>;
}) {
  const { slug } = await params;
  const caller = await serverCaller();
  const orgs = await caller.org.mine().catch((error) => {
    if (error instanceof TRPCError && error.code === 'UNAUTHORIZED')
      redirect(`/sign-in?callbackUrl=/orgs/${slug}`);
    throw error;
  });
  if (!orgs.some((o) => o.slug === slug)) notFound();
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-800">
        <div className="mx-auto flex max-w-5xl items-center justify-between gap-4 px-6 py-3">
          <div className="flex items-center gap-4">
            <a href="/orgs" className="font-semibold tracking-tight">
              <span className="text-sky-400">≈</span> Floe
            </a>
            <OrgSwitcher current={slug} orgs={orgs} />
          </div>
          <AccountMenu />
        </div>
        <nav aria-label="Organization" className="mx-auto flex max-w-5xl gap-6 px-6 text-sm">
          {TABS.map(([path, label]) => (
            <a
              key={label}
              href={`/orgs/${slug}${path}`}
              className="border-b-2 border-transparent py-2 text-slate-300 hover:border-slate-500"
            >
              {label}
            </a>
          ))}
        </nav>
      </header>
      <div className="mx-auto max-w-5xl px-6 py-10">{children}</div>
    </div>
  );
}
