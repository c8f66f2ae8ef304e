import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parsePolicy } from '../../apps/agent/src/policy/load-policy';
import { installCommands } from '../../apps/web/app/orgs/[slug]/agents/install-commands';
import { toolPaths } from '../tools/install.mjs';

// The chart rendered by helm and validated by kubeconform against Kubernetes' own schemas (offline).
const repo = join(import.meta.dirname, '../..');
const chart = join(import.meta.dirname, 'floe-agent');
const tools = toolPaths();
const needed = [
  '--set',
  'controlPlane.url=https://floe.example.com',
  '--set',
  'token.existingSecret=agent-token',
];
const scratch = mkdtempSync(join(tmpdir(), 'floe-chart-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function helm(args: string[]) {
  const result = spawnSync(tools.helm, args, { cwd: repo, encoding: 'utf8' });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

interface Container {
  image: string;
  imagePullPolicy: string;
  args: string[];
  ports?: object[];
  env: { name: string; value?: string; valueFrom?: object }[];
  securityContext: object;
  resources: object;
  volumeMounts: object[];
}
interface PodSpec {
  containers: Container[];
  securityContext: object;
  automountServiceAccountToken: boolean;
  serviceAccountName: string;
  volumes: object[];
  nodeSelector?: object;
  tolerations?: object[];
}
interface Manifest {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { template: { spec: PodSpec } };
}

function render(...args: string[]): { yaml: string; byKind: Record<string, Manifest> } {
  const { code, out, err } = helm(['template', 'floe', chart, ...needed, ...args]);
  if (code !== 0) throw new Error(err);
  const manifests = parseAllDocuments(out).map((d) => d.toJS() as Manifest);
  return { yaml: out, byKind: Object.fromEntries(manifests.map((m) => [m.kind, m])) };
}

function kubeconform(yaml: string) {
  const result = spawnSync(
    tools.kubeconform,
    [
      '-strict',
      '-summary',
      '-schema-location',
      `${tools.kubernetesSchemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
      '-',
    ],
    { input: yaml, encoding: 'utf8' },
  );
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

const podOf = (byKind: Record<string, Manifest>) => byKind.Deployment?.spec.template.spec as PodSpec;
const env = (container?: Container) =>
  Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));

describe('infra/helm/floe-agent', () => {
  it('passes helm lint --strict', () => {
    const { code, out, err } = helm(['lint', '--strict', chart, ...needed]);
    expect(`${out}${err}`).toContain('0 chart(s) failed');
    expect(code).toBe(0);
  });

  it('refuses to render without a control-plane URL and a token Secret, and refuses a token in the values', () => {
    const bare = helm(['template', 'floe', chart]);
    expect(bare.code).not.toBe(0);
    expect(bare.err).toContain('/controlPlane/url');
    expect(bare.err).toContain('/token/existingSecret');
    const leaked = helm(['template', 'floe', chart, ...needed, '--set', 'token.value=floe_it_x']);
    expect(leaked.code).not.toBe(0);
    expect(leaked.err).toContain("additional properties 'value' not allowed");
  });

  it('renders one non-root agent with a read-only root, its state on an emptyDir, its token from the Secret', () => {
    const { yaml, byKind } = render();
    const pod = podOf(byKind);
    const agent = pod.containers[0] as Container;
    expect(byKind.Deployment?.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(agent.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    const agentVersion = JSON.parse(readFileSync(join(repo, 'apps/agent/package.json'), 'utf8')).version;
    expect(agent.image).toBe(`floe/agent:${agentVersion}`);
    expect(agent.args).toEqual(['start', '--metrics-port', '9464']);
    expect(env(agent)).toMatchObject({
      FLOE_CONTROL_PLANE: 'https://floe.example.com',
      FLOE_TOKEN: { secretKeyRef: { name: 'agent-token', key: 'token' } },
    });
    expect(agent.volumeMounts).toEqual([
      { name: 'state', mountPath: env(agent).FLOE_AGENT_STATE_DIR },
      { name: 'policy', mountPath: '/etc/floe-agent', readOnly: true },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'policy', configMap: { name: 'floe-floe-agent-policy' } },
      { name: 'state', emptyDir: {} },
    ]);
    expect(pod.serviceAccountName).toBe(byKind.ServiceAccount?.metadata.name);
    expect(yaml).not.toContain('floe_it_');
    const checked = kubeconform(yaml);
    expect(checked.out).toContain('Valid: 3, Invalid: 0, Errors: 0, Skipped: 0');
    expect(checked.code).toBe(0);
  });

  it('takes IRSA, image, resources, placement, extra env and a claim for state from the values', () => {
    const values = join(scratch, 'custom.json');
    writeFileSync(
      values,
      JSON.stringify({
        image: { repository: 'registry.example.com/floe/agent', tag: '9.9.9', pullPolicy: 'Always' },
        serviceAccount: {
          annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/floe-agent' },
        },
        resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '2Gi' } },
        nodeSelector: { 'kubernetes.io/arch': 'arm64' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'floe', effect: 'NoSchedule' }],
        extraEnv: [
          { name: 'AWS_REGION', value: 'eu-west-1' },
          { name: 'KAFKA_PASSWORD', valueFrom: { secretKeyRef: { name: 'kafka', key: 'password' } } },
        ],
        state: { existingClaim: 'floe-agent-state' },
      }),
    );
    const { yaml, byKind } = render('-f', values);
    const pod = podOf(byKind);
    const agent = pod.containers[0] as Container;
    expect(byKind.ServiceAccount?.metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/floe-agent',
    });
    expect(agent.image).toBe('registry.example.com/floe/agent:9.9.9');
    expect(agent.imagePullPolicy).toBe('Always');
    expect(agent.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '2Gi' } });
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64' });
    expect(pod.tolerations).toHaveLength(1);
    expect(env(agent)).toMatchObject({
      AWS_REGION: 'eu-west-1',
      KAFKA_PASSWORD: { secretKeyRef: { name: 'kafka', key: 'password' } },
    });
    expect(pod.volumes).toContainEqual({
      name: 'state',
      persistentVolumeClaim: { claimName: 'floe-agent-state' },
    });
    expect(kubeconform(yaml).code).toBe(0);

    const shared = render('--set', 'serviceAccount.create=false', '--set', 'serviceAccount.name=shared');
    expect(shared.byKind.ServiceAccount).toBeUndefined();
    expect(podOf(shared.byKind).serviceAccountName).toBe('shared');
  });

  it('renders the policy from the values into the file the agent reads, and refuses a misspelt policy key', async () => {
    const values = join(scratch, 'policy.json');
    const policy = {
      kafka: { bootstrapHosts: ['b-1.msk.internal:9096'] },
      storage: { locations: [{ bucket: 'acme-lake', prefix: 'floe' }] },
      secrets: { envPrefixes: ['FLOE_SECRET_'], fileFolders: ['/var/run/secrets/floe'] },
    };
    writeFileSync(values, JSON.stringify({ policy }));
    const { yaml, byKind } = render('-f', values);
    const agent = podOf(byKind).containers[0] as Container;
    expect(env(agent).FLOE_AGENT_POLICY).toBe('/etc/floe-agent/policy.json');
    const configMap = byKind.ConfigMap as unknown as { data: Record<string, string> };
    const rendered = parsePolicy(JSON.parse(configMap.data['policy.json'] as string), 'rendered');
    expect(rendered).toMatchObject(policy);
    expect(rendered.schemaRegistry.urls).toEqual([]);
    // A changed policy rolls the pod.
    const annotation = (m: Record<string, Manifest>) => {
      const template = m.Deployment?.spec.template as unknown as {
        metadata: { annotations: Record<string, string> };
      };
      return template.metadata.annotations['floe.dev/policy-checksum'];
    };
    expect(annotation(byKind)).not.toBe(annotation(render().byKind));
    expect(kubeconform(yaml).code).toBe(0);
    // The empty default allows nothing, and a wrong key fails the install.
    expect(
      parsePolicy(
        JSON.parse(
          (render().byKind.ConfigMap as unknown as { data: Record<string, string> }).data[
            'policy.json'
          ] as string,
        ),
        'default',
      ).kafka.bootstrapHosts,
    ).toEqual([]);
    const typo = helm([
      'template',
      'floe',
      chart,
      ...needed,
      '--set',
      'policy.kafka.bootstrapHost[0]=evil:9092',
    ]);
    expect(typo.code).not.toBe(0);
    expect(typo.err).toContain("additional properties 'bootstrapHost' not allowed");
  });

  it('renders from the Helm command the Agents page shows, with the Secret it tells you to create', () => {
    const commands = installCommands('https://floe.example.com', 'floe_it_example');
    const [kubectl, install] = (commands.find((c) => c.label === 'Helm')?.command ?? '').split('\n');
    const [, secret, key] =
      /create secret generic (\S+) --from-literal=(\w+)=floe_it_example$/.exec(kubectl ?? '') ?? [];
    const args = (install ?? '').split(' ');
    expect(args.slice(0, 2)).toEqual(['helm', 'install']);
    const { code, out, err } = helm(['template', ...args.slice(2)]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const pod = parseAllDocuments(out)
      .map((d) => d.toJS() as Manifest)
      .find((m) => m.kind === 'Deployment')?.spec.template.spec;
    expect(env(pod?.containers[0]).FLOE_TOKEN).toEqual({ secretKeyRef: { name: secret, key } });
  });

  it("runs a pool's replicas from the Helm command the Agents page shows for a pool; never one claim for several", () => {
    const install = (
      installCommands('https://floe.example.com', 'floe_it_pool', { replicas: 3 }).find(
        (c) => c.label === 'Helm',
      )?.command ?? ''
    ).split('\n')[1];
    const { code, out, err } = helm(['template', ...(install ?? '').split(' ').slice(2)]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const deployment = parseAllDocuments(out)
      .map((d) => d.toJS() as Manifest & { spec: { replicas?: number } })
      .find((m) => m.kind === 'Deployment');
    expect(deployment?.spec.replicas).toBe(3);
    expect(render().byKind.Deployment).toMatchObject({ spec: { replicas: 1 } });
    const shared = helm([
      'template',
      'floe',
      chart,
      ...needed,
      '--set',
      'replicas=2',
      '--set',
      'state.existingClaim=s',
    ]);
    expect(shared.code).not.toBe(0);
    expect(shared.err).toContain(
      "state.existingClaim is for one agent: a pool's replicas each enroll on their own emptyDir",
    );
    const none = helm(['template', 'floe', chart, ...needed, '--set', 'replicas=0']);
    expect(none.code).not.toBe(0);
    expect(none.err).toContain('replicas');
  });

  it('exposes /metrics on a named port with the prometheus.io annotations, or not at all when disabled', () => {
    const annotations = (m: Record<string, Manifest>) =>
      (
        m.Deployment?.spec.template as unknown as
          | { metadata: { annotations: Record<string, string> } }
          | undefined
      )?.metadata.annotations;
    const { byKind } = render('--set', 'metrics.port=9100');
    const agent = podOf(byKind).containers[0] as Container;
    expect(agent.args).toEqual(['start', '--metrics-port', '9100']);
    expect(agent.ports).toEqual([{ name: 'metrics', containerPort: 9100, protocol: 'TCP' }]);
    expect(annotations(byKind)).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9100',
      'prometheus.io/path': '/metrics',
    });
    const off = render('--set', 'metrics.enabled=false');
    const quiet = podOf(off.byKind).containers[0] as Container;
    expect(quiet.args).toEqual(['start']);
    expect(quiet.ports).toBeUndefined();
    expect(Object.keys(annotations(off.byKind) ?? {})).toEqual(['floe.dev/policy-checksum']);
    expect(kubeconform(off.yaml).code).toBe(0);
  });

  it('renders no HorizontalPodAutoscaler by default, and one on floe_pipeline_lag_records when enabled', () => {
    const { byKind } = render();
    expect(byKind.HorizontalPodAutoscaler).toBeUndefined();
    expect(byKind.Deployment?.spec).toMatchObject({ replicas: 1 });

    const { yaml, byKind: scaled } = render(
      '--set',
      'autoscaling.enabled=true',
      '--set',
      'autoscaling.minReplicas=2',
      '--set',
      'autoscaling.maxReplicas=6',
      '--set',
      'autoscaling.targetLagRecords=50000',
    );
    // The HPA owns the replica count.
    expect(scaled.Deployment?.spec).not.toHaveProperty('replicas');
    expect(scaled.HorizontalPodAutoscaler?.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: scaled.Deployment?.metadata.name },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [
        {
          type: 'Pods',
          pods: {
            metric: { name: 'floe_pipeline_lag_records' },
            target: { type: 'AverageValue', averageValue: '50000' },
          },
        },
      ],
    });
    const checked = kubeconform(yaml);
    expect(checked.out).toContain('Valid: 4, Invalid: 0, Errors: 0, Skipped: 0');
    expect(checked.code).toBe(0);
  });

  it('refuses autoscaling without metrics, an inverted replica range, and an unknown autoscaling key', () => {
    const blind = helm([
      'template',
      'floe',
      chart,
      ...needed,
      '--set',
      'autoscaling.enabled=true',
      '--set',
      'metrics.enabled=false',
    ]);
    expect(blind.code).not.toBe(0);
    expect(blind.err).toContain('autoscaling.enabled needs metrics.enabled');
    const inverted = helm([
      'template',
      'floe',
      chart,
      ...needed,
      '--set',
      'autoscaling.enabled=true',
      '--set',
      'autoscaling.minReplicas=5',
      '--set',
      'autoscaling.maxReplicas=2',
    ]);
    expect(inverted.code).not.toBe(0);
    expect(inverted.err).toContain('minReplicas is more than autoscaling.maxReplicas');
    const typo = helm(['template', 'floe', chart, ...needed, '--set', 'autoscaling.targetLag=10']);
    expect(typo.code).not.toBe(0);
    expect(typo.err).toContain("additional properties 'targetLag' not allowed");
  });

  it("has kubeconform refuse what Kubernetes' schema refuses (so the schemas are in use)", () => {
    const { yaml } = render();
    const checked = kubeconform(yaml.replace('readOnlyRootFilesystem', 'readOnlyRootFilesytem'));
    expect(checked.code).not.toBe(0);
    expect(checked.out).toContain("additional properties 'readOnlyRootFilesytem' not allowed");
  });
});
