'use client';

import { requestPasswordResetInput } from '@floe/api/account-forms';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { Field, FormError, SubmitButton } from '../../src/components/form';
import { useTRPC } from '../../src/trpc/react';

export function RequestResetForm() {
  const trpc = useTRPC();
  const request = useMutation(trpc.account.requestPasswordReset.mutationOptions());
  const [sentTo, setSentTo] = useState<string>();
  const { register, handleSubmit, formState } = useForm({ resolver: zodResolver(requestPasswordResetInput) });

  const onSubmit = handleSubmit(async (values) => {
    await request.mutateAsync(values).then(() => setSentTo(values.email));
  });

  if (sentTo)
    return (
      <p role="status" className="text-slate-300">
        If an account has the address {sentTo}, a link to choose a new password is on its way. It works once,
        within the hour.
      </p>
    );
  return (
    <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4" aria-label="Reset your password">
      <FormError message={request.error?.message} />
      <Field
        id="email"
        label="Email"
        type="email"
        autoComplete="email"
        error={formState.errors.email}
        {...register('email')}
      />
      <SubmitButton pending={formState.isSubmitting}>Mail me a link</SubmitButton>
    </form>
  );
}
