'use client';

import { changePasswordInput } from '@floe/api/account-forms';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { Field, FormError, SubmitButton } from '../../src/components/form';
import { placeServerError } from '../../src/components/server-error';
import { useTRPC } from '../../src/trpc/react';

export function ChangePasswordForm() {
  const trpc = useTRPC();
  const change = useMutation(trpc.account.changePassword.mutationOptions());
  const [formError, setFormError] = useState<string>();
  const [done, setDone] = useState<string>();
  const { register, handleSubmit, formState, setError, reset } = useForm({
    resolver: zodResolver(changePasswordInput),
  });

  const onSubmit = handleSubmit(async (values) => {
    setFormError(undefined);
    setDone(undefined);
    try {
      const { signedOut } = await change.mutateAsync(values);
      reset();
      setDone(
        `Password changed. ${signedOut === 1 ? '1 other session was' : `${signedOut} other sessions were`} signed out.`,
      );
    } catch (error) {
      setFormError(placeServerError(error, setError, 'currentPassword', 'could not change the password'));
    }
  });

  return (
    <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4" aria-label="Change password">
      <h2 className="font-semibold">Change password</h2>
      <FormError message={formError} />
      {done ? (
        <p role="status" className="text-sm text-emerald-300">
          {done}
        </p>
      ) : null}
      <Field
        id="current-password"
        label="Current password"
        type="password"
        autoComplete="current-password"
        error={formState.errors.currentPassword}
        {...register('currentPassword')}
      />
      <Field
        id="new-password"
        label="New password"
        type="password"
        autoComplete="new-password"
        error={formState.errors.newPassword}
        {...register('newPassword')}
      />
      <SubmitButton pending={formState.isSubmitting}>Change password</SubmitButton>
    </form>
  );
}
