'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { FormError } from '../../../src/components/form';
import { useTRPC } from '../../../src/trpc/react';

export function AcceptInvitation({ token }: { token: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const accept = useMutation(
    trpc.member.accept.mutationOptions({ onSuccess: ({ orgSlug }) => router.push(`/orgs/${orgSlug}`) }),
  );
  return (
    <div className="flex flex-col gap-4">
      <FormError message={accept.error?.message} />
      <button
        type="button"
        disabled={accept.isPending}
        onClick={() => accept.mutate({ token })}
        className="rounded-lg bg-sky-500 px-4 py-2 font-medium text-slate-950 hover:bg-sky-400 disabled:opacity-60"
      >
        Accept invitation
      </button>
    </div>
  );
}
