'use client';

import {
  type PipelineWizardInput,
  pipelineWizardSchema,
  policyStep,
  proposedDeadLetterTopic,
  WIZARD_STEPS,
} from '@floe/api/pipeline-form';
import { type DiscoveredField, tableNamesFromTopic } from '@floe/pure';
import { useMutation } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import { useRouter } from 'next/navigation';
import { Fragment, type ReactNode, useEffect, useRef, useState } from 'react';
import { useForm } from 'react-hook-form';
import { Field, FormError, SubmitButton } from '../../../../../src/components/form';
import { useTRPC } from '../../../../../src/trpc/react';
import { SchemaProposal } from '../discovery/schema-proposal';
import { TopicPicker } from '../discovery/topic-picker';
import { TablePreviewSection } from './table-preview';

type Option = { value: string; label: string };
type Choices = Record<
  | 'agentId'
  | 'kafkaConnectionId'
  | 'registryConnectionId'
  | 'catalogConnectionId'
  | 'storageConnectionId'
  | 'roleConnectionId',
  Option[]
>;
type Values = Record<string, string>;
type FieldSpec = {
  name: string;
  label: string;
  hint?: string;
  options?: Option[] | string[];
  optional?: boolean;
};

const fieldsFor = (choices: Choices): Record<(typeof WIZARD_STEPS)[number]['id'], FieldSpec[]> => ({
  source: [
    { name: 'name', label: 'Pipeline name' },
    { name: 'agentId', label: 'Agent or pool', options: choices.agentId },
    { name: 'kafkaConnectionId', label: 'Kafka connection', options: choices.kafkaConnectionId },
    { name: 'topics', label: 'Topics', hint: 'Picked above, or typed: one or more, separated by commas' },
    { name: 'startFrom', label: 'Start from', options: ['earliest', 'latest'] },
  ],
  format: [
    { name: 'valueFormat', label: 'Value format', options: ['json', 'json-schema', 'avro', 'protobuf'] },
    { name: 'keyFormat', label: 'Key format', options: ['string', 'json', 'avro', 'none'] },
    {
      name: 'registryConnectionId',
      label: 'Schema registry',
      options: choices.registryConnectionId,
      optional: true,
      hint: 'Needed for Avro, Protobuf and JSON Schema',
    },
  ],
  table: [
    { name: 'catalogConnectionId', label: 'Iceberg catalog', options: choices.catalogConnectionId },
    { name: 'storageConnectionId', label: 'Storage', options: choices.storageConnectionId },
    { name: 'roleConnectionId', label: 'AWS role', options: choices.roleConnectionId, optional: true },
    { name: 'namespace', label: 'Namespace', hint: 'e.g. analytics or sales.raw' },
    { name: 'tableName', label: 'Table name' },
    {
      name: 'partitionBy',
      label: 'Partition by',
      hint: 'e.g. day(event_ts), bucket[16](user_id); empty for none',
    },
    {
      name: 'timestampFields',
      label: 'Timestamp fields',
      hint: 'Stored as timestamptz: field:format, e.g. ordered_at:iso8601, created:epoch-ms; empty for none',
    },
  ],
  policies: [
    {
      name: 'changesMode',
      label: 'Table mode',
      options: ['append', 'upsert', 'cdc'],
      hint: 'append: every record a row; upsert: the latest record per key, a tombstone deletes; cdc: Debezium change events (JSON, JSON Schema or Avro)',
    },
    {
      name: 'keyFields',
      label: 'Key fields',
      optional: true,
      hint: 'upsert and cdc: the columns that identify a row (int, long or string), separated by commas, e.g. id',
    },
    {
      name: 'changeDeletes',
      label: 'Updates and deletes as',
      options: ['deletion-vectors', 'position-deletes', 'equality-deletes'],
      hint: 'upsert and cdc, chosen when the table is created: deletion-vectors (Iceberg v3 tables) or position-deletes (v2, for engines without v3), both read by pyiceberg and Iceberg Java (Spark, Flink); equality-deletes only for engines that apply them (Iceberg Java, Spark, Flink, Trino): pyiceberg cannot read such tables, and Floe does not compact them',
    },
    { name: 'schemaPolicy', label: 'Schema changes', options: ['evolve', 'strict', 'ignore-new-fields'] },
    {
      name: 'engine',
      label: 'Ingest engine',
      options: ['auto', 'native', 'portable'],
      hint: 'auto: native (Rust) where the agent has it and the format is JSON, else portable',
    },
    {
      name: 'consumer',
      label: 'Kafka client',
      options: ['auto', 'librdkafka', 'kafkajs'],
      hint: 'auto: kafkajs, which costs the least CPU per record today; librdkafka (built into the native engine) is there to choose, not with MSK IAM',
    },
    {
      name: 'commitIntervalSeconds',
      label: 'Commit interval (seconds)',
      hint: '1 to 3600; smaller is fresher, with more small files',
    },
    {
      name: 'deadLetterPolicy',
      label: 'Bad records',
      options: ['dlq', 'skip', 'pause'],
      hint: 'dlq: to the dead-letter topic with the reason; skip: dropped, counted; pause: the pipeline stops',
    },
    {
      name: 'deadLetterTopic',
      label: 'Dead-letter topic',
      hint: 'In your Kafka; proposed from your first topic. The agent creates it if missing and allowed to',
    },
  ],
});

const DEFAULTS: Values = {
  startFrom: 'earliest',
  valueFormat: 'json',
  keyFormat: 'string',
  schemaPolicy: 'evolve',
  engine: 'auto',
  consumer: 'auto',
  changesMode: 'append',
  keyFields: '',
  changeDeletes: 'deletion-vectors',
  commitIntervalSeconds: '10',
  deadLetterPolicy: 'dlq',
  partitionBy: '',
  timestampFields: '',
};

/** Creates a pipeline, or with `existing` saves an edit as its next version. */
export function PipelineWizard({
  orgSlug,
  choices,
  existing,
}: {
  orgSlug: string;
  choices: Choices;
  existing?: { pipelineId: string; values: Values };
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const create = useMutation(trpc.pipeline.create.mutationOptions());
  const update = useMutation(trpc.pipeline.update.mutationOptions());
  const [step, setStep] = useState(0);
  const [formError, setFormError] = useState<string>();
  const [proposedFields, setProposedFields] = useState<DiscoveredField[]>([]);
  const fields = fieldsFor(choices);
  const firstOf = (options?: Option[] | string[]) => {
    const first = options?.[0];
    return typeof first === 'string' ? first : (first?.value ?? '');
  };
  const initial: Values = { ...DEFAULTS };
  for (const list of Object.values(fields))
    for (const f of list) if (!f.optional && f.options) initial[f.name] ??= firstOf(f.options);
  if (existing)
    for (const [key, value] of Object.entries(existing.values)) initial[key] = String(value ?? '');
  // The dead-letter topic follows the first topic (orders → orders.dlq) until the user types their own.
  const proposed = proposedDeadLetterTopic(initial.topics ?? '');
  const ownDeadLetterTopic = useRef(Boolean(initial.deadLetterTopic) && initial.deadLetterTopic !== proposed);
  if (!initial.deadLetterTopic) initial.deadLetterTopic = proposed;
  // The namespace and table name follow the first topic (sales.orders → sales, orders) until typed.
  const ownNames = useRef(Boolean(existing));
  const { register, getValues, setValue, setError, clearErrors, formState, handleSubmit, watch } =
    useForm<Values>({ defaultValues: initial });
  useEffect(() => {
    /** The policies step's rule for the dead-letter topic, on that field as soon as it changes. */
    const checkDeadLetterTopic = (values: Values) => {
      const issue = policyStep
        .safeParse(values)
        .error?.issues.find((i) => String(i.path[0]) === 'deadLetterTopic');
      if (issue) setError('deadLetterTopic', { message: issue.message });
      else clearErrors('deadLetterTopic');
    };
    const watching = watch((values, { name, type }) => {
      const all = values as Values;
      const first = (all.topics ?? '').split(/[\s,]+/).find(Boolean);
      if (name === 'topics' && first && !ownNames.current) {
        const names = tableNamesFromTopic(first);
        setValue('namespace', names.namespace);
        setValue('tableName', names.tableName);
      }
      if ((name === 'namespace' || name === 'tableName') && type === 'change') ownNames.current = true;
      if (name === 'topics' && !ownDeadLetterTopic.current) {
        const proposal = proposedDeadLetterTopic(all.topics ?? '');
        if (all.deadLetterTopic !== proposal) setValue('deadLetterTopic', proposal);
        if (proposal) clearErrors('deadLetterTopic');
      }
      if (name === 'deadLetterTopic' && type === 'change') {
        const typed = all.deadLetterTopic ?? '';
        ownDeadLetterTopic.current = typed !== '' && typed !== proposedDeadLetterTopic(all.topics ?? '');
        checkDeadLetterTopic(all);
      }
      if (name === 'deadLetterPolicy') checkDeadLetterTopic(all);
    });
    return () => watching.unsubscribe();
  }, [watch, setValue, setError, clearErrors]);
  const review = step === WIZARD_STEPS.length;
  const live = watch();
  const set = (name: string, value: string) => setValue(name, value, { shouldDirty: true });
  /** Discovery beside the fields it fills: the topic list above the topics, the schema above partitioning;
   * the table's preview under the mode, key and deletes chosen. */
  const discoveryBefore: Record<string, ReactNode> = {
    topics: (
      <TopicPicker
        orgSlug={orgSlug}
        agentId={live.agentId || undefined}
        kafkaConnectionId={live.kafkaConnectionId || undefined}
        topics={live.topics ?? ''}
        onTopics={(topics) => set('topics', topics)}
      />
    ),
    partitionBy: (
      <SchemaProposal orgSlug={orgSlug} values={live} setField={set} onFields={setProposedFields} />
    ),
    schemaPolicy: <TablePreviewSection values={live} fields={proposedFields} />,
  };

  /** Checks one step's fields; puts each message on its field. */
  const checkStep = (index: number) => {
    const current = WIZARD_STEPS[index];
    if (!current) return true;
    clearErrors();
    const result = current.schema.safeParse(getValues());
    for (const issue of result.error?.issues ?? [])
      setError(String(issue.path[0]), { message: issue.message });
    return result.success;
  };

  const onCreate = handleSubmit(async (values) => {
    setFormError(undefined);
    const whole = pipelineWizardSchema.safeParse(values);
    const issues = whole.error?.issues ?? [];
    if (issues.length === 0) {
      try {
        const pipeline = values as PipelineWizardInput;
        if (existing) {
          await update.mutateAsync({ orgSlug, pipelineId: existing.pipelineId, pipeline });
          router.push(`/orgs/${orgSlug}/pipelines/${existing.pipelineId}`);
        } else {
          const { id } = await create.mutateAsync({ orgSlug, pipeline });
          router.push(`/orgs/${orgSlug}/pipelines?created=${id}`);
        }
        router.refresh();
        return;
      } catch (error) {
        if (!(error instanceof TRPCClientError)) throw error;
        const field = error.message.match(/^(\w+):/)?.[1];
        if (field)
          issues.push({
            code: 'custom',
            path: [field],
            message: error.message.slice(field.length + 2),
            input: undefined,
          });
        else return setFormError(error.message);
      }
    }
    // Back to the first step with a problem, the message on its field.
    const index = WIZARD_STEPS.findIndex((s) => issues.some((i) => String(i.path[0]) in s.schema.shape));
    setStep(Math.max(index, 0));
    for (const issue of issues) setError(String(issue.path[0]), { message: issue.message });
  });

  return (
    <form onSubmit={onCreate} noValidate className="flex flex-col gap-6" aria-label="New pipeline">
      <ol className="flex gap-2 text-sm" aria-label="Steps">
        {[...WIZARD_STEPS.map((s) => s.title), 'Review'].map((title, i) => (
          <li
            key={title}
            aria-current={i === step ? 'step' : undefined}
            className={`rounded-full px-3 py-1 ${i === step ? 'bg-sky-500/20 text-sky-200' : i < step ? 'text-slate-300' : 'text-slate-500'}`}
          >
            {i + 1}. {title}
          </li>
        ))}
      </ol>
      <FormError message={formError} />
      <div className="grid max-w-xl gap-4">
        {WIZARD_STEPS.map((s, i) =>
          fields[s.id].map((f) => {
            const error = formState.errors[f.name];
            const hidden = i !== step;
            const before = discoveryBefore[f.name];
            const withDiscovery = (field: ReactNode) => (
              <Fragment key={f.name}>
                {/* Kept while another step shows, so that what was discovered is still there on Back. */}
                {before ? <div hidden={hidden}>{before}</div> : null}
                {field}
              </Fragment>
            );
            if (!f.options) {
              return withDiscovery(
                <div hidden={hidden}>
                  <Field
                    id={`pl-${f.name}`}
                    label={f.label}
                    hint={f.hint}
                    error={error}
                    {...register(f.name)}
                  />
                </div>,
              );
            }
            return withDiscovery(
              <div hidden={hidden} className="flex flex-col gap-1.5">
                <label htmlFor={`pl-${f.name}`} className="text-sm font-medium text-slate-200">
                  {f.label}
                </label>
                <select
                  id={`pl-${f.name}`}
                  aria-invalid={error ? true : undefined}
                  className="rounded-lg border border-slate-700 bg-slate-900 px-3 py-2 focus:border-sky-400 focus:outline-none"
                  {...register(f.name)}
                >
                  {f.optional ? <option value="">none</option> : null}
                  {f.options.map((o) => {
                    const { value, label } = typeof o === 'string' ? { value: o, label: o } : o;
                    return (
                      <option key={value} value={value}>
                        {label}
                      </option>
                    );
                  })}
                </select>
                {error ? (
                  <p id={`pl-${f.name}-error`} role="alert" className="text-sm text-rose-300">
                    {error.message}
                  </p>
                ) : f.hint ? (
                  <p className="text-sm text-slate-500">{f.hint}</p>
                ) : null}
              </div>,
            );
          }),
        )}
      </div>
      {review ? <Review values={getValues()} fields={fields} /> : null}
      <div className="flex gap-3">
        {step > 0 ? (
          <button
            type="button"
            onClick={() => setStep(step - 1)}
            className="rounded-lg border border-slate-700 px-4 py-2"
          >
            Back
          </button>
        ) : null}
        {review ? (
          <SubmitButton pending={formState.isSubmitting}>
            {existing ? 'Save as new version' : 'Create pipeline'}
          </SubmitButton>
        ) : (
          <button
            type="button"
            onClick={() => checkStep(step) && setStep(step + 1)}
            className="rounded-lg bg-sky-500 px-4 py-2 font-medium text-slate-950 hover:bg-sky-400"
          >
            Next
          </button>
        )}
      </div>
    </form>
  );
}

function Review({ values, fields }: { values: Values; fields: ReturnType<typeof fieldsFor> }) {
  const shown = (f: FieldSpec) => {
    const value = values[f.name] ?? '';
    const option = f.options?.find((o) => (typeof o === 'string' ? o : o.value) === value);
    return option && typeof option !== 'string' ? option.label : value || '—';
  };
  return (
    <dl className="grid max-w-xl grid-cols-[12rem_1fr] gap-x-4 gap-y-2 text-sm" aria-label="Review">
      {Object.values(fields)
        .flat()
        .map((f) => (
          <div key={f.name} className="contents">
            <dt className="text-slate-400">{f.label}</dt>
            <dd className="font-mono text-slate-200">{shown(f)}</dd>
          </div>
        ))}
    </dl>
  );
}
