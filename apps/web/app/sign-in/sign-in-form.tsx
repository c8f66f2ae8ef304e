'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { Field, FormError, SubmitButton } from '../../src/components/form';

const schema = z.object({
  email: z.email('enter a valid email address'),
  password: z.string().min(1, 'enter your password'),
});

export function SignInForm({ next, oidcName }: { next: string; oidcName: string | null }) {
  const router = useRouter();
  const [formError, setFormError] = useState<string>();
  const { register, handleSubmit, formState } = useForm({ resolver: zodResolver(schema) });

  const onSubmit = handleSubmit(async (values) => {
    setFormError(undefined);
    const result = await signIn('credentials', { ...values, redirect: false });
    if (!result || result.error) {
      setFormError(result?.error ?? 'sign-in failed');
      return;
    }
    router.push(next);
    router.refresh();
  });

  return (
    <div className="flex flex-col gap-6">
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4" aria-label="Sign in">
        <FormError message={formError} />
        <Field
          id="email"
          label="Email"
          type="email"
          autoComplete="email"
          error={formState.errors.email}
          {...register('email')}
        />
        <Field
          id="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          error={formState.errors.password}
          {...register('password')}
        />
        <SubmitButton pending={formState.isSubmitting}>Sign in</SubmitButton>
        <a href="/reset-password" className="text-sm text-slate-400 underline-offset-4 hover:underline">
          Forgot your password?
        </a>
      </form>
      {oidcName ? (
        <button
          type="button"
          onClick={() => signIn('oidc', { callbackUrl: next })}
          className="rounded-lg border border-slate-700 px-4 py-2 hover:border-slate-500"
        >
          Continue with {oidcName}
        </button>
      ) : null}
      <p className="text-sm text-slate-400">
        New to Floe?{' '}
        <a href="/sign-up" className="text-sky-300 underline-offset-4 hover:underline">
          Create an account
        </a>
      </p>
    </div>
  );
}
