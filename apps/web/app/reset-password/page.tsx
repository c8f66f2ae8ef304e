import { AuthCard } from '../../src/components/form';
import { RequestResetForm } from './request-reset-form';

export default function ResetPasswordPage() {
  return (
    <AuthCard title="Reset your password">
      <RequestResetForm />
    </AuthCard>
  );
}
