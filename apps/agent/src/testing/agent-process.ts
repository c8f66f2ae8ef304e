import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '..', 'cli.ts');

/**
 * A `floe-agent start` process enrolling with `token` at the control plane, keeping its enrollment in
 * `stateDir` (started again on the same folder, it is the same agent). Its last log lines are kept,
 * and its id once it says it enrolled.
 */
export function startAgentProcess(controlPlane: URL, token: string, stateDir: string) {
  const env = process.env;
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'start', '--control-plane', controlPlane.toString(), '--token', token],
    {
      cwd: join(import.meta.dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...env,
        FLOE_AGENT_STATE_DIR: stateDir,
        AWS_ACCESS_KEY_ID: env.FLOE_AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: env.FLOE_AWS_SECRET_ACCESS_KEY,
        AWS_REGION: env.FLOE_AWS_REGION,
        // A killed agent's partitions move on after this, instead of the default 30 s.
        FLOE_KAFKA_SESSION_TIMEOUT_MS: '8000',
      },
    },
  );
  const agent: { child: ChildProcess; logs: string[]; agentId?: string } = { child, logs: [] };
  const keep = (chunk: Buffer) => {
    const lines = chunk.toString('utf8').trim().split('\n');
    // Its identity, from its log line on enrolling (`{"message":"enrolled","agentId":…}`).
    agent.agentId ??= lines.map((l) => /"message":"enrolled","agentId":"([^"]+)"/.exec(l)?.[1]).find(Boolean);
    agent.logs.push(...lines);
    if (agent.logs.length > 300) agent.logs.splice(0, agent.logs.length - 300);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return agent;
}
