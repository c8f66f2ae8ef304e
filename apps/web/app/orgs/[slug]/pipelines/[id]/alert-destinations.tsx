'use client';

import type { RouterOutputs } from '@floe/api';
import { alertDestinationSchema } from '@floe/contracts/alert-destination';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { Field, FormError, SubmitButton } from '../../../../../src/components/form';
import { placeServerError } from '../../../../../src/components/server-error';
import { DataTable, Row } from '../../../../../src/components/table';
import { useTRPC } from '../../../../../src/trpc/react';

type Destination = RouterOutputs['contract']['alerts']['list'][number];
type TestResult = RouterOutputs['contract']['alerts']['test'];

const KINDS = { webhook: 'Webhook (signed JSON)', slack: 'Slack-compatible ({"text": …})' };

function lastDelivery(d: Destination) {
  const last = d.lastDelivery;
  if (!last) return 'nothing sent yet';
  if (last.deliveredAt) return `${last.event} delivered`;
  const answer = last.lastError ?? 'not tried yet';
  return last.nextAttemptAt
    ? `${last.event}: ${answer}; retrying (attempt ${last.attempts + 1})`
    : `${last.event}: ${answer}; gave up`;
}

/** Where incidents of this contract are announced: add, test and remove destinations (admins). */
export function AlertDestinations({
  orgSlug,
  pipelineId,
  destinations,
}: {
  orgSlug: string;
  pipelineId: string;
  destinations: Destination[];
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const create = useMutation(trpc.contract.alerts.create.mutationOptions());
  const test = useMutation(trpc.contract.alerts.test.mutationOptions());
  const remove = useMutation(
    trpc.contract.alerts.remove.mutationOptions({ onSuccess: () => router.refresh() }),
  );
  const [created, setCreated] = useState<{ url: string; signingSecret: string }>();
  const [tested, setTested] = useState<Record<string, TestResult>>({});
  const [formError, setFormError] = useState<string>();
  const { register, handleSubmit, formState, setError, reset } = useForm({
    resolver: zodResolver(alertDestinationSchema),
    defaultValues: { kind: 'webhook' as const, url: '' },
  });

  const onSubmit = handleSubmit(async (destination) => {
    setFormError(undefined);
    try {
      const { signingSecret } = await create.mutateAsync({ orgSlug, pipelineId, ...destination });
      setCreated({ url: destination.url, signingSecret });
      reset();
      router.refresh();
    } catch (error) {
      setFormError(placeServerError(error, setError, 'url', 'could not add the destination'));
    }
  });

  const sendTest = async (destinationId: string) => {
    const result = await test.mutateAsync({ orgSlug, pipelineId, destinationId });
    setTested((all) => ({ ...all, [destinationId]: result }));
  };

  return (
    <section aria-labelledby="alerts" className="flex flex-col gap-4 rounded-xl border border-slate-800 p-6">
      <h3 id="alerts" className="font-semibold">
        Alerts
      </h3>
      <p className="text-sm text-slate-400">
        When the table falls behind its promise, and when it recovers, Floe posts to these URLs. Each request
        carries <code className="font-mono">Floe-Signature: t=…,v1=…</code>, the HMAC-SHA256 of{' '}
        <code className="font-mono">{'<t>.<body>'}</code> with the destination's signing secret.
      </p>
      {destinations.length > 0 ? (
        <DataTable columns={['Kind', 'URL', 'Last message', '']}>
          {destinations.map((d) => (
            <Row key={d.id}>
              <td className="py-2">{d.kind}</td>
              <td className="break-all py-2 font-mono text-xs">{d.url}</td>
              <td className="py-2 text-slate-400">
                {lastDelivery(d)}
                {tested[d.id] ? (
                  <span
                    role="status"
                    className={`block ${tested[d.id]?.ok ? 'text-emerald-300' : 'text-rose-300'}`}
                  >
                    {tested[d.id]?.ok
                      ? `✓ test delivered (HTTP ${tested[d.id]?.status})`
                      : `✗ test failed: ${tested[d.id]?.error}`}
                  </span>
                ) : null}
              </td>
              <td className="flex justify-end gap-3 py-2">
                <button
                  type="button"
                  disabled={test.isPending}
                  onClick={() => sendTest(d.id)}
                  className="text-sky-300 hover:text-sky-200 disabled:opacity-50"
                >
                  Send test
                </button>
                <button
                  type="button"
                  onClick={() => remove.mutate({ orgSlug, pipelineId, destinationId: d.id })}
                  className="text-rose-300 hover:text-rose-200"
                >
                  Remove
                </button>
              </td>
            </Row>
          ))}
        </DataTable>
      ) : null}
      {created ? (
        <div className="flex flex-col gap-1 text-sm" data-testid="signing-secret">
          <p className="text-amber-200">
            The signing secret for {created.url} is shown only now. Keep it where the receiver checks
            signatures.
          </p>
          <code className="break-all rounded-lg bg-slate-900 p-3 font-mono text-xs">
            {created.signingSecret}
          </code>
        </div>
      ) : null}
      <form
        onSubmit={onSubmit}
        noValidate
        className="flex max-w-xl flex-col gap-4"
        aria-label="Add an alert destination"
      >
        <FormError message={formError} />
        <div className="flex flex-col gap-1.5">
          <label htmlFor="alert-kind" className="text-sm font-medium text-slate-200">
            Kind
          </label>
          <select
            id="alert-kind"
            className="rounded-lg border border-slate-700 bg-slate-900 px-3 py-2"
            {...register('kind')}
          >
            {Object.entries(KINDS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <Field
          id="alert-url"
          label="URL"
          placeholder="https://hooks.example.com/floe"
          error={formState.errors.url}
          {...register('url')}
        />
        <SubmitButton pending={formState.isSubmitting}>Add destination</SubmitButton>
      </form>
    </section>
  );
}
