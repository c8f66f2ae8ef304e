'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { type ReactNode, useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { Field, FormError, SubmitButton } from '../../../../src/components/form';
import { placeServerError } from '../../../../src/components/server-error';
import { installCommands } from './install-commands';

/** A token shown once: what it is, then the commands that run agents with it. */
export function TokenCommands({
  testId,
  note,
  controlPlaneUrl,
  token,
  replicas,
}: {
  testId: string;
  note: ReactNode;
  controlPlaneUrl: string;
  token: string;
  replicas?: number;
}) {
  return (
    <div className="mt-6 flex flex-col gap-3" data-testid={testId}>
      <p className="text-sm text-amber-200">{note}</p>
      {installCommands(controlPlaneUrl, token, { replicas }).map(({ label, command }) => (
        <div key={label}>
          <p className="text-xs font-semibold uppercase tracking-widest text-slate-400">{label}</p>
          <pre className="mt-1 overflow-x-auto rounded-lg bg-slate-900 p-3 font-mono text-xs text-slate-200">
            {command}
          </pre>
        </div>
      ))}
    </div>
  );
}

/**
 * A one-field form that registers something by name (an agent, a pool) and shows the token it got,
 * once, with the commands that use it.
 */
export function TokenForm({
  fieldId,
  title,
  description,
  label,
  placeholder,
  maxLength,
  submit,
  failed,
  create,
  shown,
}: {
  fieldId: string;
  title: string;
  description?: ReactNode;
  label: string;
  placeholder: string;
  maxLength: number;
  submit: string;
  failed: string;
  /** Registers it and returns its token. */
  create: (name: string) => Promise<string>;
  /** The token's panel for the name it was made for. */
  shown: (name: string, token: string) => ReactNode;
}) {
  const router = useRouter();
  const [created, setCreated] = useState<{ name: string; token: string }>();
  const [formError, setFormError] = useState<string>();
  const schema = z.object({
    name: z.string().trim().min(2, 'at least 2 characters').max(maxLength, `at most ${maxLength} characters`),
  });
  const { register, handleSubmit, formState, setError, reset } = useForm({ resolver: zodResolver(schema) });

  const onSubmit = handleSubmit(async ({ name }) => {
    setFormError(undefined);
    try {
      setCreated({ name, token: await create(name) });
      reset();
      router.refresh();
    } catch (error) {
      setFormError(placeServerError(error, setError, 'name', failed));
    }
  });

  return (
    <section aria-labelledby={`${fieldId}-title`} className="rounded-xl border border-slate-800 p-6">
      <h2 id={`${fieldId}-title`} className="font-semibold">
        {title}
      </h2>
      {description ? <p className="mt-1 max-w-2xl text-sm text-slate-400">{description}</p> : null}
      <form onSubmit={onSubmit} noValidate className="mt-4 flex max-w-md flex-col gap-4" aria-label={title}>
        <FormError message={formError} />
        <Field
          id={fieldId}
          label={label}
          placeholder={placeholder}
          error={formState.errors.name}
          {...register('name')}
        />
        <SubmitButton pending={formState.isSubmitting}>{submit}</SubmitButton>
      </form>
      {created ? shown(created.name, created.token) : null}
    </section>
  );
}
