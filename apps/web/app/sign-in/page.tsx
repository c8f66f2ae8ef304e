import { AuthCard } from '../../src/components/form';
import { SignInForm } from './sign-in-form';

export const dynamic = 'force-dynamic';

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string }>;
}) {
  const { callbackUrl } = await searchParams;
  // Only same-site paths: a callback URL must not send people elsewhere.
  const next = callbackUrl?.startsWith('/') && !callbackUrl.startsWith('//') ? callbackUrl : '/orgs';
  return (
    <AuthCard title="Sign in to Floe">
      <SignInForm
        next={next}
        oidcName={process.env.FLOE_OIDC_ISSUER ? (process.env.FLOE_OIDC_NAME ?? 'Single sign-on') : null}
      />
    </AuthCard>
  );
}
