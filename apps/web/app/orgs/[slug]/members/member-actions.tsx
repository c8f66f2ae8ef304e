'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useTRPC } from '../../../../src/trpc/react';

/** A button that asks first, runs one change, then shows its error or goes on. */
function ConfirmedAction({
  label,
  name,
  question,
  run,
  pending,
}: {
  label: string;
  /** What a screen reader says, when the label alone does not say whom it is about. */
  name?: string;
  question: string;
  run: () => Promise<unknown>;
  pending: boolean;
}) {
  const [error, setError] = useState<string>();
  return (
    <span className="flex items-center gap-2">
      <button
        type="button"
        aria-label={name}
        disabled={pending}
        onClick={async () => {
          if (!window.confirm(question)) return;
          setError(undefined);
          try {
            await run();
          } catch (e) {
            setError(e instanceof Error ? e.message : String(e));
          }
        }}
        className="text-rose-300 hover:text-rose-200 disabled:opacity-50"
      >
        {label}
      </button>
      {error ? (
        <span role="alert" className="text-xs text-rose-300">
          {error}
        </span>
      ) : null}
    </span>
  );
}

export function RemoveMember({ orgSlug, email }: { orgSlug: string; email: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const remove = useMutation(trpc.member.remove.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <ConfirmedAction
      label="Remove"
      name={`Remove ${email}`}
      question={`Remove ${email}? They lose access to this organization at once.`}
      pending={remove.isPending}
      run={() => remove.mutateAsync({ orgSlug, email })}
    />
  );
}

export function LeaveOrganization({ orgSlug }: { orgSlug: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const leave = useMutation(trpc.member.leave.mutationOptions({ onSuccess: () => router.push('/orgs') }));
  return (
    <ConfirmedAction
      label="Leave organization"
      question="Leave this organization? You need a new invitation to come back."
      pending={leave.isPending}
      run={() => leave.mutateAsync({ orgSlug })}
    />
  );
}

export function RevokeInvitation({ orgSlug, id, email }: { orgSlug: string; id: string; email: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const revoke = useMutation(
    trpc.member.revokeInvitation.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  return (
    <ConfirmedAction
      label="Revoke"
      name={`Revoke invitation of ${email}`}
      question={`Revoke the invitation of ${email}? Its link stops working.`}
      pending={revoke.isPending}
      run={() => revoke.mutateAsync({ orgSlug, id })}
    />
  );
}
