'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useTRPC } from '../../../../src/trpc/react';

const ROLES = ['OWNER', 'ADMIN', 'EDITOR', 'VIEWER'] as const;

export function RoleSelect({
  orgSlug,
  email,
  role,
}: {
  orgSlug: string;
  email: string;
  role: (typeof ROLES)[number];
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [error, setError] = useState<string>();
  const setRole = useMutation(
    trpc.member.setRole.mutationOptions({
      onSuccess: () => router.refresh(),
      onError: (e) => setError(e.message),
    }),
  );
  return (
    <span className="flex items-center gap-2">
      <select
        aria-label={`Role of ${email}`}
        defaultValue={role}
        disabled={setRole.isPending}
        onChange={(event) => {
          setError(undefined);
          setRole.mutate({ orgSlug, email, role: event.target.value as (typeof ROLES)[number] });
        }}
        className="rounded-lg border border-slate-700 bg-slate-900 px-2 py-1 capitalize"
      >
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {r.toLowerCase()}
          </option>
        ))}
      </select>
      {error ? (
        <span role="alert" className="text-xs normal-case text-rose-300">
          {error}
        </span>
      ) : null}
    </span>
  );
}
