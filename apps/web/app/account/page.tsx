import { redirect } from 'next/navigation';
import { currentSession } from '../../src/auth';
import { AuthCard } from '../../src/components/form';
import { ChangePasswordForm } from './change-password-form';

export const dynamic = 'force-dynamic';

export default async function AccountPage() {
  if (!(await currentSession())) redirect('/sign-in?callbackUrl=/account');
  return (
    <AuthCard title="Your account">
      <ChangePasswordForm />
      <a href="/orgs" className="text-sm text-sky-300 underline-offset-4 hover:underline">
        Back to your organizations
      </a>
    </AuthCard>
  );
}
