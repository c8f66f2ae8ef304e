'use client';

import { useMutation } from '@tanstack/react-query';
import { signOut, useSession } from 'next-auth/react';
import { useTRPC } from '../../../src/trpc/react';

export function AccountMenu() {
  const trpc = useTRPC();
  const everywhere = useMutation(trpc.account.signOutEverywhere.mutationOptions());
  return (
    <div className="flex items-center gap-3 text-sm">
      <SignedInAs />
      <a href="/account" className="text-slate-300 hover:text-white">
        Account
      </a>
      <button
        type="button"
        onClick={() => signOut({ callbackUrl: '/' })}
        className="text-slate-300 hover:text-white"
      >
        Sign out
      </button>
      <button
        type="button"
        onClick={async () => {
          await everywhere.mutateAsync();
          await signOut({ callbackUrl: '/sign-in' });
        }}
        className="text-slate-400 hover:text-white"
      >
        Sign out everywhere
      </button>
    </div>
  );
}

function SignedInAs() {
  const { data } = useSession();
  return data?.user ? <span className="text-slate-500">{data.user.email}</span> : null;
}
