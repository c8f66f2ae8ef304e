import { serverCaller } from '../../../../../src/server';
import { PipelineWizard } from './wizard';

export const dynamic = 'force-dynamic';

export default async function NewPipelinePage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const caller = await serverCaller();
  const [agents, connections] = await Promise.all([
    caller.agent.list({ orgSlug: slug }),
    caller.connection.list({ orgSlug: slug }),
  ]);
  const options = (type: string) =>
    connections.filter((c) => c.type === type).map((c) => ({ value: c.id, label: c.name }));
  return (
    <main className="flex flex-col gap-6">
      <h1 className="text-3xl font-semibold tracking-tight">New pipeline</h1>
      <PipelineWizard
        orgSlug={slug}
        choices={{
          agentId: agents.filter((a) => a.status !== 'revoked').map((a) => ({ value: a.id, label: a.name })),
          kafkaConnectionId: options('kafka'),
          registryConnectionId: options('schema-registry'),
          catalogConnectionId: options('catalog'),
          storageConnectionId: options('storage'),
          roleConnectionId: options('aws-role'),
        }}
      />
    </main>
  );
}
