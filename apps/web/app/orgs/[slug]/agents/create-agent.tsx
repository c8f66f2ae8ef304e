'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { Field, FormError, SubmitButton } from '../../../../src/components/form';
import { placeServerError } from '../../../../src/components/server-error';
import { useTRPC } from '../../../../src/trpc/react';
import { installCommands } from './install-commands';

const schema = z.object({
  name: z.string().trim().min(2, 'at least 2 characters').max(60, 'at most 60 characters'),
});

export function CreateAgent({ orgSlug, controlPlaneUrl }: { orgSlug: string; controlPlaneUrl: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const create = useMutation(trpc.agent.create.mutationOptions());
  const [created, setCreated] = useState<{ name: string; installToken: string }>();
  const [formError, setFormError] = useState<string>();
  const { register, handleSubmit, formState, setError, reset } = useForm({ resolver: zodResolver(schema) });

  const onSubmit = handleSubmit(async ({ name }) => {
    setFormError(undefined);
    try {
      const { installToken } = await create.mutateAsync({ orgSlug, name });
      setCreated({ name, installToken });
      reset();
      router.refresh();
    } catch (error) {
      setFormError(placeServerError(error, setError, 'name', 'could not register the agent'));
    }
  });

  return (
    <section aria-labelledby="register" className="rounded-xl border border-slate-800 p-6">
      <h2 id="register" className="font-semibold">
        Register an agent
      </h2>
      <form
        onSubmit={onSubmit}
        noValidate
        className="mt-4 flex max-w-md flex-col gap-4"
        aria-label="Register an agent"
      >
        <FormError message={formError} />
        <Field
          id="agent-name"
          label="Name"
          placeholder="eu-prod-1"
          error={formState.errors.name}
          {...register('name')}
        />
        <SubmitButton pending={formState.isSubmitting}>Register agent</SubmitButton>
      </form>
      {created ? (
        <div className="mt-6 flex flex-col gap-3" data-testid="install-token">
          <p className="text-sm text-amber-200">
            The install token for <strong>{created.name}</strong> is shown only now. It works once, within 24
            hours.
          </p>
          {installCommands(controlPlaneUrl, created.installToken).map(({ label, command }) => (
            <div key={label}>
              <p className="text-xs font-semibold uppercase tracking-widest text-slate-400">{label}</p>
              <pre className="mt-1 overflow-x-auto rounded-lg bg-slate-900 p-3 font-mono text-xs text-slate-200">
                {command}
              </pre>
            </div>
          ))}
        </div>
      ) : null}
    </section>
  );
}
