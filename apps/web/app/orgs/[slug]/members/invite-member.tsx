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

const schema = z.object({
  email: z.email('enter a valid email address'),
  role: z.enum(['ADMIN', 'EDITOR', 'VIEWER']),
});

export function InviteMember({ orgSlug }: { orgSlug: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const invite = useMutation(trpc.member.invite.mutationOptions());
  const [link, setLink] = useState<{ url: string; expiresAt: Date }>();
  const [formError, setFormError] = useState<string>();
  const { register, handleSubmit, formState, setError } = useForm({
    resolver: zodResolver(schema),
    defaultValues: { role: 'VIEWER' as const },
  });

  const onSubmit = handleSubmit(async (values) => {
    setFormError(undefined);
    try {
      const { token, expiresAt } = await invite.mutateAsync({ orgSlug, ...values });
      setLink({ url: `${window.location.origin}/invite/${token}`, expiresAt });
      router.refresh(); // the open invitations list
    } catch (error) {
      setFormError(placeServerError(error, setError, 'email', 'could not invite'));
    }
  });

  return (
    <section aria-labelledby="invite" className="rounded-xl border border-slate-800 p-6">
      <h2 id="invite" className="font-semibold">
        Invite someone
      </h2>
      <form
        onSubmit={onSubmit}
        noValidate
        className="mt-4 flex max-w-md flex-col gap-4"
        aria-label="Invite someone"
      >
        <FormError message={formError} />
        <Field
          id="invite-email"
          label="Email"
          type="email"
          error={formState.errors.email}
          {...register('email')}
        />
        <div className="flex flex-col gap-1.5">
          <label htmlFor="invite-role" className="text-sm font-medium text-slate-200">
            Role
          </label>
          <select
            id="invite-role"
            className="rounded-lg border border-slate-700 bg-slate-900 px-3 py-2"
            {...register('role')}
          >
            <option value="VIEWER">viewer — sees everything, changes nothing</option>
            <option value="EDITOR">editor — manages connections and pipelines</option>
            <option value="ADMIN">admin — also agents, members and the audit log</option>
          </select>
        </div>
        <SubmitButton pending={formState.isSubmitting}>Create invitation link</SubmitButton>
      </form>
      {link ? (
        <p className="mt-4 text-sm text-slate-300" data-testid="invitation-link">
          Send this link; it works once, for that email, until {link.expiresAt.toISOString().slice(0, 10)}:{' '}
          <code className="break-all font-mono text-sky-200">{link.url}</code>
        </p>
      ) : null}
    </section>
  );
}
