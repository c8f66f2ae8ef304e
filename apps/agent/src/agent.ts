import { PROTOCOL_VERSION } from '@floe/protocol';
import { enroll, loadCredentials, saveCredentials } from './credentials';
import { EventReporter, RevokedError } from './events';
import { startJobRunner } from './job-runner';
import { VERSION } from './version';

export const HEARTBEAT_SECONDS = 10;

/** Structured JSON logs, one line each; never record values (the agent only logs its own doings). */
export function log(message: string, fields: Record<string, unknown> = {}) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), message, ...fields })}\n`);
}

/**
 * Runs the agent: enrolls with an install token once (then keeps its credentials on disk),
 * pulls jobs from its own queue, and heartbeats every 10 s. Returns a stop function.
 */
export async function startAgent({ controlPlane, token }: { controlPlane: URL; token: string }) {
  let credentials = loadCredentials();
  if (token.startsWith('floe_it_') && !credentials) {
    credentials = await enroll(controlPlane, token);
    saveCredentials(credentials);
    log('enrolled', { agentId: credentials.agentId });
  }
  if (!credentials) throw new Error('no credentials: start once with the install token from the Agents page');
  const events = new EventReporter(controlPlane, credentials.apiToken, (m) => log(m));
  const runner = startJobRunner(credentials, events);
  let stopped = false;
  const stop = async () => {
    stopped = true;
    clearInterval(timer);
    await runner.close();
    await events.flush().catch(() => {});
  };
  const heartbeat = async () => {
    events.report({ type: 'heartbeat', agentVersion: VERSION, runningPipelines: [] });
    try {
      await events.flush();
    } catch (error) {
      if (error instanceof RevokedError && !stopped) {
        log(error.message);
        await stop();
        process.exitCode = 3;
      }
    }
  };
  const timer = setInterval(heartbeat, HEARTBEAT_SECONDS * 1000);
  await heartbeat();
  log('started', {
    agentId: credentials.agentId,
    queue: credentials.queue.name,
    protocolVersion: PROTOCOL_VERSION,
    version: VERSION,
  });
  return { agentId: credentials.agentId, events, stop };
}
