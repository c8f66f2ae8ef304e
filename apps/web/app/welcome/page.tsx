import { redirect } from 'next/navigation';
import { AuthCard } from '../../src/components/form';
import { serverCaller } from '../../src/server';
import { CreateOrganization } from './create-organization';

export const dynamic = 'force-dynamic';

/** Where a signed-in user without an organization (e.g. a first SSO sign-in) starts. */
export default async function WelcomePage() {
  const caller = await serverCaller();
  const orgs = await caller.org.mine().catch(() => null);
  if (!orgs) redirect('/sign-in?callbackUrl=/welcome');
  return (
    <AuthCard title="Welcome to Floe">
      <p className="text-slate-300">
        You are not in an organization yet. Create one for your team, or open the invitation link a colleague
        sent you.
      </p>
      <CreateOrganization />
    </AuthCard>
  );
}
