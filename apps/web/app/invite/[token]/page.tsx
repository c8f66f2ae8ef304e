import { redirect } from 'next/navigation';
import { AuthCard } from '../../../src/components/form';
import { serverCaller } from '../../../src/server';
import { AcceptInvitation } from './accept';

export const dynamic = 'force-dynamic';

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const caller = await serverCaller();
  const signedIn = await caller.org.mine().then(
    () => true,
    () => false,
  );
  if (!signedIn) redirect(`/sign-in?callbackUrl=/invite/${encodeURIComponent(token)}`);
  return (
    <AuthCard title="Join an organization on Floe">
      <AcceptInvitation token={token} />
    </AuthCard>
  );
}
