import { verifyEmail } from '@floe/auth';
import { db } from '@floe/db';
import { AuthCard, FormError } from '../../../src/components/form';

export const dynamic = 'force-dynamic';

export default async function VerifyEmailPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const result = await verifyEmail(db(), token);
  return (
    <AuthCard title="Verify your email address">
      {result.verified ? (
        <p role="status">
          {result.email} is verified.{' '}
          <a href="/orgs" className="text-sky-300 underline-offset-4 hover:underline">
            Continue to Floe
          </a>
        </p>
      ) : (
        <FormError message={result.reason} />
      )}
    </AuthCard>
  );
}
