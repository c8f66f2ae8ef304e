import { AuthCard } from '../../src/components/form';
import { SignUpForm } from './sign-up-form';

export default function SignUpPage() {
  return (
    <AuthCard title="Create your Floe account">
      <SignUpForm />
    </AuthCard>
  );
}
