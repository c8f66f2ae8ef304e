'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useTRPC } from '../../../../src/trpc/react';

export function PipelineActions({
  orgSlug,
  pipelineId,
  status,
}: {
  orgSlug: string;
  pipelineId: string;
  status: 'RUNNING' | 'PAUSED';
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const onSuccess = () => router.refresh();
  const pause = useMutation(trpc.pipeline.pause.mutationOptions({ onSuccess }));
  const resume = useMutation(trpc.pipeline.resume.mutationOptions({ onSuccess }));
  const busy = pause.isPending || resume.isPending;
  return status === 'RUNNING' ? (
    <button
      type="button"
      disabled={busy}
      onClick={() => pause.mutate({ orgSlug, pipelineId })}
      className="text-slate-300 hover:text-white"
    >
      Pause
    </button>
  ) : (
    <button
      type="button"
      disabled={busy}
      onClick={() => resume.mutate({ orgSlug, pipelineId })}
      className="text-sky-300 hover:text-sky-200"
    >
      Resume
    </button>
  );
}
