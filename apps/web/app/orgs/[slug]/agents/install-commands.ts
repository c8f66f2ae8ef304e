/**
 * The three ways to run an agent, exactly as the Agents page shows them. With `replicas` (a pool's
 * enrollment token), the Helm chart runs that many members.
 */
export function installCommands(controlPlaneUrl: string, installToken: string, { replicas = 1 } = {}) {
  return [
    {
      label: 'npx',
      command: `npx floe-agent start --control-plane ${controlPlaneUrl} --token ${installToken}`,
    },
    {
      label: 'Docker',
      // The volume keeps the agent's enrollment when the container is replaced (the install token works once).
      command: `docker run -d --name floe-agent --restart unless-stopped -v floe-agent:/var/lib/floe-agent -e FLOE_TOKEN=${installToken} floe/agent start --control-plane ${controlPlaneUrl}`,
    },
    {
      label: 'Helm',
      command: `kubectl create secret generic floe-agent-token --from-literal=token=${installToken}\nhelm install floe-agent ./infra/helm/floe-agent --set controlPlane.url=${controlPlaneUrl} --set token.existingSecret=floe-agent-token${replicas > 1 ? ` --set replicas=${replicas}` : ''}`,
    },
  ];
}
