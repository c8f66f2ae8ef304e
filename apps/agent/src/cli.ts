#!/usr/bin/env node
import { missingNodeFlags } from '@floe/ingest';
import { Redis } from 'ioredis';
import { log, startAgent } from './agent';
import { parseArgs, USAGE, UsageError } from './args';
import { AgentEnvError, agentEnv } from './config';
import { loadCredentials } from './credentials';
import { runSpecFile } from './pipelines/run-spec-file';
import { choosePolicy, PolicyFileError } from './policy/load-policy';
import { VERSION } from './version';

/** Prints one line per check; false when any failed. */
async function doctor(controlPlane: URL | undefined): Promise<boolean> {
  const credentials = loadCredentials();
  let healthy = credentials !== null;
  console.log(
    credentials
      ? `✓ enrolled as ${credentials.agentId}`
      : '✗ not enrolled: run floe-agent start with an install token',
  );
  if (controlPlane) {
    const ok = await fetch(new URL('/api/health', controlPlane)).then(
      (r) => r.ok,
      () => false,
    );
    console.log(
      ok ? `✓ control plane ${controlPlane} answers` : `✗ control plane ${controlPlane} does not answer`,
    );
    healthy &&= ok;
  }
  if (credentials?.transport === 'https') console.log('✓ jobs come through the control plane (HTTPS)');
  if (credentials?.transport === 'bullmq') {
    const url = new URL(credentials.redis.url);
    const redis = new Redis({
      host: url.hostname,
      port: Number(url.port || 6379),
      username: credentials.redis.username,
      password: credentials.redis.password,
      enableReadyCheck: false,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    const ok = await redis.connect().then(
      () => redis.ping(),
      () => null,
    );
    redis.disconnect();
    console.log(
      ok === 'PONG'
        ? `✓ job queue reachable as ${credentials.redis.username}`
        : '✗ job queue not reachable (revoked, or a network block)',
    );
    healthy &&= ok === 'PONG';
  }
  return healthy;
}

/** Said once at start: without them the agent still works, at a higher CPU cost per record. */
function warnOnMissingNodeFlags(): void {
  const missing = missingNodeFlags();
  if (missing.length === 0) return;
  log(
    `started without ${missing.join(' ')}: garbage collection will cost more CPU per record; the bin and the image pass it, pass it to node when starting the agent another way`,
    { level: 'warn' },
  );
}

async function main() {
  // The environment first: a malformed setting stops the agent here, by name, before anything runs.
  const command = parseArgs(process.argv.slice(2), agentEnv());
  switch (command.command) {
    case 'help':
      console.log(USAGE);
      return;
    case 'version':
      console.log(VERSION);
      return;
    case 'doctor':
      // Non-zero when a check fails, so scripts and health probes can use it.
      if (!(await doctor(command.controlPlane))) process.exitCode = 1;
      return;
    case 'run': {
      warnOnMissingNodeFlags();
      const policy = await choosePolicy(
        { file: command.policyFile, permissive: command.permissive === true },
        (message) => log(message, { level: 'warn' }),
      );
      const running = await runSpecFile(command.pipeline, command.metricsPort, policy);
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, async () => {
          log('stopping', { signal });
          await running.stop();
          process.exit(0);
        });
      }
      return;
    }
    case 'start': {
      warnOnMissingNodeFlags();
      const policy = await choosePolicy({ file: command.policyFile }, (message) =>
        log(message, { level: 'warn' }),
      );
      const agent = await startAgent({ ...command, policy });
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, async () => {
          log('stopping', { signal });
          await agent.stop();
          process.exit(0);
        });
      }
    }
  }
}

main().catch((error) => {
  if (error instanceof UsageError) {
    console.error(`floe-agent: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof PolicyFileError || error instanceof AgentEnvError) {
    console.error(`floe-agent: ${error.message}`);
    process.exit(2);
  }
  log('failed', { error: (error as Error).message });
  process.exit(1);
});
