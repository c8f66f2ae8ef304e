'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
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
      <BadgeLink orgSlug={orgSlug} pipelineId={pipelineId} />
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
            </a>
            .
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

/**
 * The freshness badge has its own link, made and revoked apart from the page's: a badge shown in a
 * public README must not open the share page.
 */
function BadgeLink({ orgSlug, pipelineId }: { orgSlug: string; pipelineId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const contract = useQuery(trpc.contract.get.queryOptions({ orgSlug, pipelineId }));
  const onSuccess = () => queryClient.invalidateQueries({ queryKey: trpc.contract.get.queryKey() });
  const make = useMutation(trpc.contract.shareBadge.mutationOptions({ onSuccess }));
  const revoke = useMutation(trpc.contract.revokeBadge.mutationOptions({ onSuccess }));
  const token = contract.data?.badgeToken;
  if (!contract.data) return null;
  if (!token)
    return (
      <button
        type="button"
        onClick={() => make.mutate({ orgSlug, pipelineId })}
        className="self-start text-sky-300 hover:text-sky-200"
      >
        Create badge link
      </button>
    );
  const badgeUrl = `${window.location.origin}/badge/${token}`;
  return (
    <div className="flex flex-col gap-2 border-b border-slate-800 pb-3">
      <p className="text-slate-300">
        Freshness badge (shows only freshness against the SLO; it does not open the page):
      </p>
      <code data-testid="badge-markdown" className="break-all font-mono text-sky-200">
        {`![freshness](${badgeUrl})`}
      </code>
      <div className="flex gap-3">
        <button
          type="button"
          onClick={() => make.mutate({ orgSlug, pipelineId })}
          className="text-slate-300 hover:text-white"
        >
          New badge link
        </button>
        <button
          type="button"
          onClick={() => revoke.mutate({ orgSlug, pipelineId })}
          className="text-rose-300 hover:text-rose-200"
        >
          Revoke badge link
        </button>
      </div>
    </div>
  );
}
