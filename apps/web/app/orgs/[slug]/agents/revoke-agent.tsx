'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useTRPC } from '../../../../src/trpc/react';

export function RevokeAgent({ orgSlug, agentId, name }: { orgSlug: string; agentId: string; name: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const revoke = useMutation(trpc.agent.revoke.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <button
      type="button"
      disabled={revoke.isPending}
      onClick={() => {
        if (window.confirm(`Revoke ${name}? It is cut off at once and cannot be re-enabled.`)) {
          revoke.mutate({ orgSlug, agentId });
        }
      }}
      className="text-rose-300 hover:text-rose-200 disabled:opacity-50"
    >
      Revoke
    </button>
  );
}
