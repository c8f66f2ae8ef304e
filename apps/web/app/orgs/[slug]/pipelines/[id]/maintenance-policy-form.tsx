'use client';

import { type MaintenancePolicy, policyWithin, type SnapshotRetention } from '@floe/api/maintenance-policy';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { type ComponentProps, useState } from 'react';
import { useForm } from 'react-hook-form';
import { Field, FormError, SubmitButton } from '../../../../../src/components/form';
import { placeServerError } from '../../../../../src/components/server-error';
import { useTRPC } from '../../../../../src/trpc/react';

type Key = keyof MaintenancePolicy;

function Select({
  id,
  label,
  options,
  ...field
}: { id: string; label: string; options: Record<string, string> } & ComponentProps<'select'>) {
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium text-slate-200">
        {label}
      </label>
      <select id={id} className="rounded-lg border border-slate-700 bg-slate-900 px-3 py-2" {...field}>
        {Object.entries(options).map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

const EVERY = { hourly: 'Hourly', daily: 'Daily', weekly: 'Weekly', manual: 'Only by hand' };

/** The table maintenance policy form; expiry may not go below the contract's snapshot promise. */
export function MaintenancePolicyForm({
  orgSlug,
  pipelineId,
  initial,
  retention,
  onSaved,
}: {
  orgSlug: string;
  pipelineId: string;
  initial: MaintenancePolicy;
  retention: SnapshotRetention | null;
  onSaved: () => void;
}) {
  const trpc = useTRPC();
  const save = useMutation(trpc.maintenance.savePolicy.mutationOptions());
  const [formError, setFormError] = useState<string>();
  const [saved, setSaved] = useState(false);
  const { register, handleSubmit, formState, setError } = useForm({
    resolver: zodResolver(policyWithin(retention)),
    defaultValues: initial,
  });
  const number = (key: Key) => register(key, { valueAsNumber: true });
  const field = (key: Key, label: string, hint?: string) => ({
    id: `maintenance-${key}`,
    label,
    hint,
    error: formState.errors[key],
  });

  const onSubmit = handleSubmit(async (policy) => {
    setFormError(undefined);
    setSaved(false);
    try {
      await save.mutateAsync({ orgSlug, pipelineId, policy });
      setSaved(true);
      onSaved();
    } catch (error) {
      setFormError(placeServerError(error, setError, 'compactionMode', 'could not save the policy'));
    }
  });

  const promise = retention ? `The contract promises ${retention.snapshotDays} days` : undefined;
  return (
    <form
      onSubmit={onSubmit}
      noValidate
      aria-label="Maintenance policy"
      className="grid max-w-3xl gap-4 rounded-xl border border-slate-800 p-6 md:grid-cols-2"
    >
      <h3 className="font-semibold md:col-span-2">Policy</h3>
      <div className="md:col-span-2">
        <FormError message={formError} />
      </div>
      <Select
        id="maintenance-compactionMode"
        label="Compaction"
        options={{
          auto: 'When small files or deleted rows pile up',
          cron: 'On a cron schedule',
          manual: 'Only by hand',
        }}
        {...register('compactionMode')}
      />
      <Field
        {...field(
          'smallFileThreshold',
          'Small files before compacting',
          'When small files pile up: counted since the last compaction',
        )}
        inputMode="numeric"
        {...number('smallFileThreshold')}
      />
      <Field
        {...field(
          'deleteRatioPercent',
          'Deleted rows before compacting (%)',
          'Automatic: the share of the rows readers read that delete files delete (upserts, CDC)',
        )}
        inputMode="numeric"
        {...number('deleteRatioPercent')}
      />
      <Field
        {...field(
          'compactionCron',
          'Cron schedule',
          'On a cron schedule: minute hour day month weekday, in UTC',
        )}
        {...register('compactionCron')}
      />
      <Field
        {...field('targetFileSizeMiB', 'Target file size (MiB)')}
        inputMode="numeric"
        {...number('targetFileSizeMiB')}
      />
      <Select
        id="maintenance-expiryEvery"
        label="Snapshot expiry"
        options={EVERY}
        {...register('expiryEvery')}
      />
      <Field
        {...field('snapshotMaxAgeDays', 'Expire snapshots older than (days)', promise)}
        inputMode="numeric"
        {...number('snapshotMaxAgeDays')}
      />
      <Field
        {...field('snapshotsKept', 'Keep at least (snapshots)')}
        inputMode="numeric"
        {...number('snapshotsKept')}
      />
      <Select
        id="maintenance-orphansEvery"
        label="Orphan removal"
        options={{ daily: EVERY.daily, weekly: EVERY.weekly, manual: EVERY.manual }}
        {...register('orphansEvery')}
      />
      <Field
        {...field(
          'orphanMinAgeDays',
          'Only orphans older than (days)',
          'Younger files may belong to a commit in progress',
        )}
        inputMode="numeric"
        {...number('orphanMinAgeDays')}
      />
      <div className="flex items-center gap-4 md:col-span-2">
        <SubmitButton pending={formState.isSubmitting}>Save policy</SubmitButton>
        {saved ? <span className="text-sm text-emerald-300">Policy saved.</span> : null}
      </div>
    </form>
  );
}
