'use client';

import {
  type ConnectionFormInput,
  type ConnectionType,
  checkedConnectionFormSchema,
} from '@floe/api/connection-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { type FieldError, type Resolver, useForm } from 'react-hook-form';
import { Field, FormError, SubmitButton } from '../../../../src/components/form';
import { placeServerError } from '../../../../src/components/server-error';
import { useTRPC } from '../../../../src/trpc/react';
import { CONNECTION_FIELDS, DEFAULTS } from './fields';

type Values = Record<string, string>;

// The same rules the server applies, so errors appear on the field before a round trip.
const checkConnection = zodResolver(checkedConnectionFormSchema);

export function CreateConnection({ orgSlug }: { orgSlug: string }) {
  const [type, setType] = useState<ConnectionType>('kafka');
  return (
    <section aria-labelledby="add-connection" className="rounded-xl border border-slate-800 p-6">
      <h2 id="add-connection" className="font-semibold">
        Add a connection
      </h2>
      <fieldset className="mt-4 flex flex-wrap gap-2">
        <legend className="sr-only">Kind of connection</legend>
        {(Object.keys(CONNECTION_FIELDS) as ConnectionType[]).map((kind) => (
          <label
            key={kind}
            className={`cursor-pointer rounded-lg border px-3 py-1.5 text-sm ${kind === type ? 'border-sky-400 text-sky-200' : 'border-slate-700 text-slate-300'}`}
          >
            <input
              type="radio"
              name="kind"
              value={kind}
              checked={kind === type}
              onChange={() => setType(kind)}
              className="sr-only"
            />
            {CONNECTION_FIELDS[kind].title}
          </label>
        ))}
      </fieldset>
      <ConnectionForm key={type} type={type} orgSlug={orgSlug} />
    </section>
  );
}

function ConnectionForm({ type, orgSlug }: { type: ConnectionType; orgSlug: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const create = useMutation(trpc.connection.create.mutationOptions());
  const [formError, setFormError] = useState<string>();
  const [externalId, setExternalId] = useState<string | null>(null);
  const blank = Object.fromEntries(
    ['name', ...CONNECTION_FIELDS[type].fields.map((f) => f.name)].map((f) => [f, DEFAULTS[type][f] ?? '']),
  );
  const { register, handleSubmit, formState, setError, watch, reset } = useForm<Values>({
    // The same rules the server applies, so errors appear on the field before a round trip.
    resolver: (values, context, options) =>
      checkConnection({ ...values, type } as ConnectionFormInput, context, options as never) as ReturnType<
        Resolver<Values>
      >,
    defaultValues: blank,
  });
  const values = watch();

  const onSubmit = handleSubmit(async (form) => {
    setFormError(undefined);
    try {
      const created = await create.mutateAsync({
        orgSlug,
        connection: { ...form, type } as ConnectionFormInput,
      });
      setExternalId(created.externalId);
      reset(blank);
      router.refresh();
    } catch (error) {
      setFormError(placeServerError(error, setError, 'name', 'could not save the connection'));
    }
  });

  const visible = CONNECTION_FIELDS[type].fields.filter(
    (f) => !f.when || f.when.in.includes(values[f.when.field] ?? ''),
  );
  const errors = formState.errors as Record<string, FieldError | undefined>;
  return (
    <form
      onSubmit={onSubmit}
      noValidate
      className="mt-4 flex max-w-lg flex-col gap-4"
      aria-label="Add a connection"
    >
      <FormError message={formError} />
      <Field id="conn-name" label="Name" error={errors.name} {...register('name')} />
      {visible.map((field) =>
        field.options ? (
          <div key={field.name} className="flex flex-col gap-1.5">
            <label htmlFor={`conn-${field.name}`} className="text-sm font-medium text-slate-200">
              {field.label}
            </label>
            <select
              id={`conn-${field.name}`}
              className="rounded-lg border border-slate-700 bg-slate-900 px-3 py-2 focus:border-sky-400 focus:outline-none"
              {...register(field.name)}
            >
              {field.options.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
            {errors[field.name] ? (
              <p role="alert" className="text-sm text-rose-300">
                {errors[field.name]?.message}
              </p>
            ) : null}
          </div>
        ) : (
          <Field
            key={field.name}
            id={`conn-${field.name}`}
            label={field.label}
            hint={field.hint}
            error={errors[field.name]}
            {...register(field.name)}
          />
        ),
      )}
      <SubmitButton pending={formState.isSubmitting}>Save connection</SubmitButton>
      {externalId ? (
        <p data-testid="external-id" className="rounded-lg bg-slate-900 p-3 text-sm text-slate-300">
          Saved. Put this external id in the role’s trust policy (condition <code>sts:ExternalId</code>):{' '}
          <code className="font-mono text-sky-200">{externalId}</code>
        </p>
      ) : null}
    </form>
  );
}
