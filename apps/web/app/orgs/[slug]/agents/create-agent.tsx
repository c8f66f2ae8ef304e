'use client';

import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '../../../../src/trpc/react';
import { TokenCommands, TokenForm } from './token-form';

export function CreateAgent({ orgSlug, controlPlaneUrl }: { orgSlug: string; controlPlaneUrl: string }) {
  const trpc = useTRPC();
  const create = useMutation(trpc.agent.create.mutationOptions());
  return (
    <TokenForm
      fieldId="agent-name"
      title="Register an agent"
      label="Name"
      placeholder="eu-prod-1"
      maxLength={60}
      submit="Register agent"
      failed="could not register the agent"
      create={async (name) => (await create.mutateAsync({ orgSlug, name })).installToken}
      shown={(name, token) => (
        <TokenCommands
          testId="install-token"
          controlPlaneUrl={controlPlaneUrl}
          token={token}
          note={
            <>
              The install token for <strong>{name}</strong> is shown only now. It works once, within 24 hours.
            </>
          }
        />
      )}
    />
  );
}
