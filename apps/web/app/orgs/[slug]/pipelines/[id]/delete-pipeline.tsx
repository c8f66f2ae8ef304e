'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useTRPC } from '../../../../../src/trpc/react';

export function DeletePipeline({
  orgSlug,
  pipelineId,
  name,
}: {
  orgSlug: string;
  pipelineId: string;
  name: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const remove = useMutation(
    trpc.pipeline.delete.mutationOptions({ onSuccess: () => router.push(`/orgs/${orgSlug}/pipelines`) }),
  );
  return (
    <button
      type="button"
      disabled={remove.isPending}
      onClick={() => {
        if (
          window.confirm(`Delete ${name}? The agent stops it; the table and its data stay in your account.`)
        ) {
          remove.mutate({ orgSlug, pipelineId });
        }
      }}
      className="text-rose-300 hover:text-rose-200"
    >
      Delete
    </button>
  );
}
