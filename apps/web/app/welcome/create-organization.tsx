'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { Field, FormError, SubmitButton } from '../../src/components/form';
import { useTRPC } from '../../src/trpc/react';

const schema = z.object({
  name: z.string().trim().min(2, 'at least 2 characters').max(80, 'at most 80 characters'),
});

export function CreateOrganization() {
  const trpc = useTRPC();
  const router = useRouter();
  const create = useMutation(
    trpc.org.create.mutationOptions({ onSuccess: ({ slug }) => router.push(`/orgs/${slug}`) }),
  );
  const { register, handleSubmit, formState } = useForm({ resolver: zodResolver(schema) });
  return (
    <form
      onSubmit={handleSubmit((values) => create.mutate(values))}
      noValidate
      className="flex flex-col gap-4"
      aria-label="Create an organization"
    >
      <FormError message={create.error?.message} />
      <Field id="org-name" label="Organization" error={formState.errors.name} {...register('name')} />
      <SubmitButton pending={create.isPending}>Create organization</SubmitButton>
    </form>
  );
}
