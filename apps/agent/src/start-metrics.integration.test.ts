import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startAgent } from './agent';
import { saveCredentials } from './credentials';
import { serverPort } from './pipelines/metrics-server';
import { startControlPlane } from './testing/control-plane';
import { stackPolicy } from './testing/stack-policy';

// `floe-agent start --metrics-port`: the connected agent (what the Helm chart runs) serves /metrics and
// /healthz for Prometheus and the HPA, against the control plane's own agent API (scratch database).

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('the connected agent serves /metrics when given a port', () => {
  it('answers /metrics and /healthz while running, and stops serving when stopped', {
    timeout: 120_000,
  }, async () => {
    const controlPlane = await startControlPlane();
    cleanups.push(() => controlPlane.close());
    const state = mkdtempSync(join(tmpdir(), 'floe-start-metrics-'));
    cleanups.push(() => rmSync(state, { recursive: true, force: true }));
    const savedStateDir = process.env.FLOE_AGENT_STATE_DIR;
    process.env.FLOE_AGENT_STATE_DIR = state;
    cleanups.push(() => {
      if (savedStateDir === undefined) delete process.env.FLOE_AGENT_STATE_DIR;
      else process.env.FLOE_AGENT_STATE_DIR = savedStateDir;
    });
    const credentials = await controlPlane.enroll('metrics');
    saveCredentials(credentials, state);

    const agent = await startAgent({
      controlPlane: controlPlane.url,
      token: credentials.apiToken,
      policy: stackPolicy(),
      metricsPort: 0,
    });
    let stopped = false;
    cleanups.push(() => stopped || agent.stop());
    const base = `http://127.0.0.1:${serverPort(agent.metrics as NonNullable<typeof agent.metrics>)}`;
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    expect(text).toContain('# TYPE floe_pipeline_lag_records gauge');
    expect(text).toContain('# TYPE floe_pipeline_lag_seconds gauge');
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok\n');

    await agent.stop();
    stopped = true;
    await expect(fetch(`${base}/metrics`)).rejects.toThrow();
  });
});
