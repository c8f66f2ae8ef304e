import { serverCaller } from '../../../../../src/server';
import { wizardChoices } from '../wizard-choices';
import { PipelineWizard } from './wizard';

export const dynamic = 'force-dynamic';

export default async function NewPipelinePage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const caller = await serverCaller();
  return (
    <main className="flex flex-col gap-6">
      <h1 className="text-3xl font-semibold tracking-tight">New pipeline</h1>
      <PipelineWizard orgSlug={slug} choices={await wizardChoices(caller, slug)} />
    </main>
  );
}
