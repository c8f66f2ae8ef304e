import { redirect } from 'next/navigation';
import { serverCaller } from '../../src/server';

export const dynamic = 'force-dynamic';

/** Sends a signed-in user to their first organization. */
export default async function OrgsPage() {
  const caller = await serverCaller();
  const orgs = await caller.org.mine().catch(() => null);
  if (!orgs) redirect('/sign-in?callbackUrl=/orgs');
  if (orgs.length === 0) redirect('/welcome');
  redirect(`/orgs/${orgs[0]?.slug}`);
}
