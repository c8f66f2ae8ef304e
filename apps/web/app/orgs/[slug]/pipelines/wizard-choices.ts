import type { serverCaller } from '../../../../src/server';

/** The agents and pools (every online member runs it) and connections a pipeline can be made from, as wizard options. */
export async function wizardChoices(caller: Awaited<ReturnType<typeof serverCaller>>, orgSlug: string) {
  const [agents, pools, connections] = await Promise.all([
    caller.agent.list({ orgSlug }),
    caller.pool.list({ orgSlug }),
    caller.connection.list({ orgSlug }),
  ]);
  const options = (type: string) =>
    connections.filter((c) => c.type === type).map((c) => ({ value: c.id, label: c.name }));
  return {
    agentId: [
      ...agents.filter((a) => a.status !== 'revoked').map((a) => ({ value: a.id, label: a.name })),
      ...pools.map((p) => ({ value: p.id, label: `pool ${p.name} (every online member)` })),
    ],
    kafkaConnectionId: options('kafka'),
    registryConnectionId: options('schema-registry'),
    catalogConnectionId: options('catalog'),
    storageConnectionId: options('storage'),
    roleConnectionId: options('aws-role'),
  };
}
