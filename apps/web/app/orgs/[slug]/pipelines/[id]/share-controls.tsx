'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useTRPC } from '../../../../../src/trpc/react';

export function ShareControls({
  orgSlug,
  pipelineId,
  shareUrl,
  hasContract,
}: {
  orgSlug: string;
  pipelineId: string;
  shareUrl: string | null;
  hasContract: boolean;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const onSuccess = () => router.refresh();
  const share = useMutation(trpc.contract.share.mutationOptions({ onSuccess }));
  const revoke = useMutation(trpc.contract.revokeShare.mutationOptions({ onSuccess }));
  if (!hasContract) return null;
  return (
    <div className="flex flex-col gap-2 rounded-xl border border-slate-800 p-4 text-sm">
      {shareUrl ? (
        <>
          <p className="text-slate-300">
            Anyone with this link sees the contract and its live status, without an account:
          </p>
          <code data-testid="share-url" className="break-all font-mono text-sky-200">
            {shareUrl}
          </code>
          <p className="text-slate-500">
            Also as{' '}
            <a className="underline" href={`${shareUrl}/contract.json`}>
              JSON
            </a>
            ,{' '}
            <a className="underline" href={`${shareUrl}/odcs.yaml`}>
              ODCS v3
            </a>
            ,{' '}
            <a className="underline" href={`${shareUrl}/dbt.yml`}>
              dbt sources.yml
            </a>{' '}
            and a badge: <code className="font-mono">{`![freshness](${shareUrl}/badge.svg)`}</code>
          </p>
          <div className="flex gap-3">
            <button
              type="button"
              onClick={() => share.mutate({ orgSlug, pipelineId })}
              className="text-slate-300 hover:text-white"
            >
              New link
            </button>
            <button
              type="button"
              onClick={() => revoke.mutate({ orgSlug, pipelineId })}
              className="text-rose-300 hover:text-rose-200"
            >
              Revoke link
            </button>
          </div>
        </>
      ) : (
        <button
          type="button"
          onClick={() => share.mutate({ orgSlug, pipelineId })}
          className="self-start text-sky-300 hover:text-sky-200"
        >
          Create share link
        </button>
      )}
    </div>
  );
}
