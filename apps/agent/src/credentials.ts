import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AGENT_API, type Enrollment, enrollmentSchema } from '@floe/protocol';
import { z } from 'zod';
import { type AgentEnv, agentEnv } from './config';

/** What enrollment gives an agent; kept on its disk (mode 600), never sent anywhere but back to Floe. */
export type AgentCredentials = Enrollment;

// Credentials saved before agents had a choice of transport are BullMQ ones.
const savedSchema = z.preprocess(
  (saved) =>
    saved !== null && typeof saved === 'object' && !('transport' in saved)
      ? { ...saved, transport: 'bullmq' }
      : saved,
  enrollmentSchema,
);

export function stateDir(env: Pick<AgentEnv, 'FLOE_AGENT_STATE_DIR'> = agentEnv()): string {
  return env.FLOE_AGENT_STATE_DIR ?? join(homedir(), '.floe-agent');
}

export function loadCredentials(dir = stateDir()): AgentCredentials | null {
  const file = join(dir, 'credentials.json');
  return existsSync(file) ? savedSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) : null;
}

export function saveCredentials(credentials: AgentCredentials, dir = stateDir()) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'credentials.json');
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Exchanges a one-time install token for the agent's credentials; the answer names its transport. */
export async function enroll(controlPlane: URL, installToken: string): Promise<AgentCredentials> {
  const res = await fetch(new URL(AGENT_API.enroll, controlPlane), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ installToken }),
  });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new Error(`enrollment refused (HTTP ${res.status}): ${body.error ?? 'no reason given'}`);
  return enrollmentSchema.parse(body);
}
