import { AuthCard } from '../../../src/components/form';
import { ChooseNewPasswordForm } from './choose-new-password-form';

export const dynamic = 'force-dynamic';

export default async function ChooseNewPasswordPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  return (
    <AuthCard title="Choose a new password">
      <ChooseNewPasswordForm token={token} />
    </AuthCard>
  );
}
