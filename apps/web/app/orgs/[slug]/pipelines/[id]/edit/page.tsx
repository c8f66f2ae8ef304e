import { notFound } from 'next/navigation';
import { serverCaller } from '../../../../../../src/server';
import { PipelineWizard } from '../../new/wizard';
import { wizardChoices } from '../../wizard-choices';

export const dynamic = 'force-dynamic';

export default async function EditPipelinePage({
  params,
}: {
  params: Promise<{ slug: string; id: string }>;
}) {
  const { slug, id } = await params;
  const caller = await serverCaller();
  const values = await caller.pipeline.wizard({ orgSlug: slug, pipelineId: id }).catch(() => null);
  if (!values) notFound();
  return (
    <main className="flex flex-col gap-6">
      <h1 className="text-3xl font-semibold tracking-tight">Edit {String(values.name)}</h1>
      <p className="text-sm text-slate-400">
        Saving makes a new version and sends it to the agent; earlier versions are kept.
      </p>
      <PipelineWizard
        orgSlug={slug}
        choices={await wizardChoices(caller, slug)}
        existing={{ pipelineId: id, values: values as Record<string, string> }}
      />
    </main>
  );
}
