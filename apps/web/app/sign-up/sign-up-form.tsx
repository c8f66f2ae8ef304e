'use client';

import { signUpInput } from '@floe/api/account-forms';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { useState } from 'react';
import { type Path, useForm } from 'react-hook-form';
import type { z } from 'zod';
import { Field, FormError, SubmitButton } from '../../src/components/form';
import { placeServerError } from '../../src/components/server-error';
import { useTRPC } from '../../src/trpc/react';

type Values = z.input<typeof signUpInput>;

export function SignUpForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const [formError, setFormError] = useState<string>();
  const { register, handleSubmit, formState, setError } = useForm<Values>({
    resolver: zodResolver(signUpInput),
  });
  const signUp = useMutation(trpc.account.signUp.mutationOptions());

  const onSubmit = handleSubmit(async (values) => {
    setFormError(undefined);
    try {
      const { orgSlug } = await signUp.mutateAsync(values);
      const result = await signIn('credentials', {
        email: values.email,
        password: values.password,
        redirect: false,
      });
      if (result?.error) throw new Error(result.error);
      router.push(`/orgs/${orgSlug}`);
      router.refresh();
    } catch (error) {
      // The server's verdict goes on the field it is about.
      setFormError(placeServerError<Path<Values>>(error, setError, 'email', 'sign-up failed'));
    }
  });

  const { errors } = formState;
  return (
    <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4" aria-label="Create account">
      <FormError message={formError} />
      <Field id="name" label="Your name" autoComplete="name" error={errors.name} {...register('name')} />
      <Field
        id="email"
        label="Work email"
        type="email"
        autoComplete="email"
        error={errors.email}
        {...register('email')}
      />
      <Field
        id="password"
        label="Password"
        type="password"
        autoComplete="new-password"
        hint="At least 10 characters."
        error={errors.password}
        {...register('password')}
      />
      <Field
        id="organization"
        label="Organization"
        hint="Your team or company."
        error={errors.organization}
        {...register('organization')}
      />
      <SubmitButton pending={formState.isSubmitting}>Create account</SubmitButton>
      <p className="text-sm text-slate-400">
        Already have an account?{' '}
        <a href="/sign-in" className="text-sky-300 underline-offset-4 hover:underline">
          Sign in
        </a>
      </p>
    </form>
  );
}
