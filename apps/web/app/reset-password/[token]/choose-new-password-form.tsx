'use client';

import { newPasswordInput } from '@floe/api/account-forms';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { Field, FormError, SubmitButton } from '../../../src/components/form';
import { useTRPC } from '../../../src/trpc/react';

const schema = z.object({ password: newPasswordInput });

export function ChooseNewPasswordForm({ token }: { token: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  // Every session was signed out: sign in again with the new password.
  const reset = useMutation(
    trpc.account.resetPassword.mutationOptions({ onSuccess: () => router.push('/sign-in?reset=1') }),
  );
  const { register, handleSubmit, formState } = useForm({ resolver: zodResolver(schema) });

  const onSubmit = handleSubmit(async ({ password }) => {
    await reset.mutateAsync({ token, password }).catch(() => undefined);
  });

  return (
    <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4" aria-label="Choose a new password">
      <FormError message={reset.error?.message} />
      <Field
        id="password"
        label="New password"
        type="password"
        autoComplete="new-password"
        error={formState.errors.password}
        {...register('password')}
      />
      <SubmitButton pending={formState.isSubmitting}>Set password</SubmitButton>
    </form>
  );
}
