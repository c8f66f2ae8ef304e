'use client';

import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '../../../../src/trpc/react';
import { TokenCommands, TokenForm } from './token-form';

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
    <TokenCommands
      testId="enrollment-token"
      controlPlaneUrl={controlPlaneUrl}
      token={token}
      replicas={3}
      note={
        <>
          The enrollment token for the pool <strong>{pool}</strong> is shown only now. Every agent started
          with it joins the pool with its own identity: run as many replicas as the topic needs.
        </>
      }
    />
  );
}

/** Creates a pool (admins): agents enrolled with its token run the pipelines assigned to it together. */
export function CreatePool({ orgSlug, controlPlaneUrl }: { orgSlug: string; controlPlaneUrl: string }) {
  const trpc = useTRPC();
  const create = useMutation(trpc.pool.create.mutationOptions());
  return (
    <TokenForm
      fieldId="pool-name"
      title="Create an agent pool"
      description="A pipeline assigned to a pool runs on every online member, which share its Kafka partitions: add replicas when a topic outgrows one agent."
      label="Pool name"
      placeholder="eu-prod"
      maxLength={53}
      submit="Create pool"
      failed="could not create the pool"
      create={async (name) => (await create.mutateAsync({ orgSlug, name })).enrollmentToken}
      shown={(name, token) => <EnrollmentToken pool={name} token={token} controlPlaneUrl={controlPlaneUrl} />}
    />
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
