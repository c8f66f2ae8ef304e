import { OIDC_NOT_LINKED } from '@floe/auth';
import { callbackPath } from '../../src/callback-path';
import { AuthCard, FormError } from '../../src/components/form';
import { env } from '../../src/env';
import { SignInForm } from './sign-in-form';

export const dynamic = 'force-dynamic';

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string; error?: string; reset?: string }>;
}) {
  const { callbackUrl, error, reset } = await searchParams;
  // Only same-site paths: a callback URL must not send people elsewhere.
  const next = callbackPath(callbackUrl, '/orgs');
  const settings = env();
  return (
    <AuthCard title="Sign in to Floe">
      {error === OIDC_NOT_LINKED ? (
        <FormError message="A Floe account already has this email address, and the address is not verified on both sides: sign in with that account's password, verify the address from the link we sent, then use single sign-on." />
      ) : null}
      {reset ? (
        <p role="status" className="text-sm text-emerald-300">
          Your password is set and every session was signed out: sign in with the new password.
        </p>
      ) : null}
      <SignInForm
        next={next}
        oidcName={settings.FLOE_OIDC_ISSUER ? (settings.FLOE_OIDC_NAME ?? 'Single sign-on') : null}
      />
    </AuthCard>
  );
}
