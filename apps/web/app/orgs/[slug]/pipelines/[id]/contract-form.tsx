'use client';

import { type Contract, contractSchema } from '@floe/contracts/model';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { type FieldError, get, useForm } from 'react-hook-form';
import { z } from 'zod';
import { Field, FormError, SubmitButton } from '../../../../../src/components/form';
import { useTRPC } from '../../../../../src/trpc/react';

// Identifier fields are typed as "order_id:string, tenant:integer".
const formSchema = contractSchema.extend({
  schema: contractSchema.shape.schema.extend({
    identifierFields: z.preprocess(
      (text) =>
        String(text ?? '')
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean)
          .map((part) => {
            const [name = '', logicalType = 'string'] = part.split(':').map((s) => s.trim());
            return { name, logicalType };
          }),
      contractSchema.shape.schema.shape.identifierFields,
    ),
  }),
});

type FieldSpec = { name: string; label: string; hint?: string; number?: boolean; options?: string[] };
const FIELDS: FieldSpec[] = [
  { name: 'owner.team', label: 'Owner team' },
  { name: 'owner.contact', label: 'Owner contact', hint: 'An email or a URL' },
  { name: 'description', label: 'Description (optional)' },
  {
    name: 'slo.freshnessMinutes',
    label: 'Freshness SLO (minutes)',
    number: true,
    hint: 'Complete to within this many minutes',
  },
  { name: 'slo.targetPercent', label: 'Target (% of minutes)', number: true },
  { name: 'slo.windowDays', label: 'Window (days)', number: true },
  { name: 'schema.identifierFields', label: 'Identifier fields', hint: 'name:type, e.g. order_id:string' },
  {
    name: 'schema.allowedChanges',
    label: 'Allowed schema changes',
    options: ['additive', 'compatible-widening', 'none'],
  },
  { name: 'deletes', label: 'Deletes', options: ['append-only', 'upsert-by-key', 'tombstones'] },
  { name: 'retention.snapshotDays', label: 'Snapshot retention (days)', number: true },
  { name: 'retention.minSnapshots', label: 'Snapshots kept at least', number: true },
  { name: 'maintenance.owner', label: 'Maintenance owner' },
  { name: 'maintenance.schedule', label: 'Maintenance schedule' },
  { name: 'incidents.channel', label: 'Incident channel', hint: 'Where incidents are announced' },
  { name: 'incidents.expectedRecoveryMinutes', label: 'Expected recovery (minutes)', number: true },
];

const DEFAULTS = {
  description: '',
  owner: { team: '', contact: '' },
  schema: { identifierFields: '', allowedChanges: 'additive' },
  deletes: 'append-only',
  retention: { snapshotDays: 7, minSnapshots: 10 },
  maintenance: { owner: 'Floe', schedule: 'compaction when small files pile up; expiry daily' },
  incidents: { channel: '', expectedRecoveryMinutes: 60 },
  slo: { freshnessMinutes: 5, targetPercent: 99, windowDays: 30 },
};

export function ContractForm({
  orgSlug,
  pipelineId,
  initial,
}: {
  orgSlug: string;
  pipelineId: string;
  initial: Contract | null;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const save = useMutation(trpc.contract.save.mutationOptions());
  const [formError, setFormError] = useState<string>();
  const [saved, setSaved] = useState<number>();
  const defaults = initial
    ? {
        ...initial,
        schema: {
          ...initial.schema,
          identifierFields: initial.schema.identifierFields
            .map((f) => `${f.name}:${f.logicalType}`)
            .join(', '),
        },
      }
    : DEFAULTS;
  const { register, handleSubmit, formState } = useForm({
    resolver: zodResolver(formSchema),
    defaultValues: defaults as never,
  });

  const onSubmit = handleSubmit(async (contract) => {
    setFormError(undefined);
    try {
      const { version } = await save.mutateAsync({ orgSlug, pipelineId, contract: contract as Contract });
      setSaved(version);
      router.refresh();
    } catch (error) {
      setFormError(error instanceof Error ? error.message : 'could not save the contract');
    }
  });

  return (
    <form
      onSubmit={onSubmit}
      noValidate
      className="grid max-w-3xl gap-4 md:grid-cols-2"
      aria-label="Contract"
    >
      <div className="md:col-span-2">
        <FormError message={formError} />
      </div>
      {FIELDS.map((f) => {
        const error = get(formState.errors, f.name) as FieldError | undefined;
        const id = `contract-${f.name.replace('.', '-')}`;
        return f.options ? (
          <div key={f.name} className="flex flex-col gap-1.5">
            <label htmlFor={id} className="text-sm font-medium text-slate-200">
              {f.label}
            </label>
            <select
              id={id}
              className="rounded-lg border border-slate-700 bg-slate-900 px-3 py-2"
              {...register(f.name as never)}
            >
              {f.options.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          </div>
        ) : (
          <Field
            key={f.name}
            id={id}
            label={f.label}
            hint={f.hint}
            error={error}
            inputMode={f.number ? 'decimal' : undefined}
            {...register(f.name as never, f.number ? { valueAsNumber: true } : {})}
          />
        );
      })}
      <div className="flex items-center gap-4 md:col-span-2">
        <SubmitButton pending={formState.isSubmitting}>Save contract</SubmitButton>
        {saved ? <span className="text-sm text-emerald-300">Saved as version {saved}.</span> : null}
      </div>
    </form>
  );
}
