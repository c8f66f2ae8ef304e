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
  name: z.string().trim().min(2, 'at least 2 characters').max(53, 'at most 53 characters'),
});

/** The pool's enrollment token, shown once, with the commands that run its replicas. */
function EnrollmentToken({
  pool,
  token,
  controlPlaneUrl,
}: {
  pool: string;
  token: string;
  controlPlaneUrl: string;
}) {
  return (
    <div className="mt-6 flex flex-col gap-3" data-testid="enrollment-token">
      <p className="text-sm text-amber-200">
        The enrollment token for the pool <strong>{pool}</strong> is shown only now. Every agent started with
        it joins the pool with its own identity: run as many replicas as the topic needs.
      </p>
      {installCommands(controlPlaneUrl, token, { replicas: 3 }).map(({ label, command }) => (
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

/** Creates a pool (admins): agents enrolled with its token run the pipelines assigned to it together. */
export function CreatePool({ orgSlug, controlPlaneUrl }: { orgSlug: string; controlPlaneUrl: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const create = useMutation(trpc.pool.create.mutationOptions());
  const [created, setCreated] = useState<{ name: string; token: string }>();
  const [formError, setFormError] = useState<string>();
  const { register, handleSubmit, formState, setError, reset } = useForm({ resolver: zodResolver(schema) });

  const onSubmit = handleSubmit(async ({ name }) => {
    setFormError(undefined);
    try {
      const { enrollmentToken } = await create.mutateAsync({ orgSlug, name });
      setCreated({ name, token: enrollmentToken });
      reset();
      router.refresh();
    } catch (error) {
      setFormError(placeServerError(error, setError, 'name', 'could not create the pool'));
    }
  });

  return (
    <section aria-labelledby="create-pool" className="rounded-xl border border-slate-800 p-6">
      <h2 id="create-pool" className="font-semibold">
        Create an agent pool
      </h2>
      <p className="mt-1 max-w-2xl text-sm text-slate-400">
        A pipeline assigned to a pool runs on every online member, which share its Kafka partitions: add
        replicas when a topic outgrows one agent.
      </p>
      <form
        onSubmit={onSubmit}
        noValidate
        className="mt-4 flex max-w-md flex-col gap-4"
        aria-label="Create a pool"
      >
        <FormError message={formError} />
        <Field
          id="pool-name"
          label="Pool name"
          placeholder="eu-prod"
          error={formState.errors.name}
          {...register('name')}
        />
        <SubmitButton pending={formState.isSubmitting}>Create pool</SubmitButton>
      </form>
      {created ? (
        <EnrollmentToken pool={created.name} token={created.token} controlPlaneUrl={controlPlaneUrl} />
      ) : null}
    </section>
  );
}

/** Replaces a pool's enrollment token: the old one enrolls no one more; members keep their credentials. */
export function NewEnrollmentToken({
  orgSlug,
  poolId,
  pool,
  controlPlaneUrl,
}: {
  orgSlug: string;
  poolId: string;
  pool: string;
  controlPlaneUrl: string;
}) {
  const trpc = useTRPC();
  const renew = useMutation(trpc.pool.newEnrollmentToken.mutationOptions());
  return (
    <div>
      <button
        type="button"
        disabled={renew.isPending}
        onClick={() => {
          if (window.confirm(`Replace the enrollment token of ${pool}? The old one stops enrolling agents.`))
            renew.mutate({ orgSlug, poolId });
        }}
        className="text-sky-300 hover:text-sky-200 disabled:opacity-50"
      >
        New enrollment token
      </button>
      {renew.data ? (
        <EnrollmentToken pool={pool} token={renew.data.enrollmentToken} controlPlaneUrl={controlPlaneUrl} />
      ) : null}
    </div>
  );
}
